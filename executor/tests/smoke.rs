use spindle_executor::{Builder, Runtime};

#[test]
fn smoke_multi_thread() {
    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let out = rt.block_on(async {
        let hs: Vec<_> = (0..100u64).map(|i| spindle_executor::spawn(async move { i })).collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(out, 4950);
}

#[test]
fn smoke_current_thread() {
    let rt = Builder::new_current_thread().build().unwrap();
    let out = rt.block_on(async {
        let h = spindle_executor::spawn(async { 5 });
        h.await.unwrap()
    });
    assert_eq!(out, 5);
}

#[test]
fn smoke_default() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
}
