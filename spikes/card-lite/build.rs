//! The card's part of the real stylesheet (everything before the sheet's rules), so the spike
//! carries the CSS a light card would, and stays in step with `style/buycard.css`.
fn main() {
    let css = std::fs::read_to_string("../../style/buycard.css").expect("style/buycard.css");
    let card = css.split("/* Buying */").next().unwrap_or(&css);
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("card.css");
    std::fs::write(out, card).expect("write card.css");
    println!("cargo::rerun-if-changed=../../style/buycard.css");
}
