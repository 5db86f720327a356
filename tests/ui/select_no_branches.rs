fn main() {
    spindle::block_on(async {
        spindle::select! {}
    });
}
