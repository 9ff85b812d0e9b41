//! `make bench`'s baseline for start-up and memory: a window with the same
//! Tauri, WebKitGTK and configuration as Sportello (size, CSP, the same
//! context) showing one line of text and nothing else, served the way the
//! app's own page is (a custom scheme). Prints `painted ms=<since the
//! process was created>` once its page has loaded, as the app logs its
//! first screen.

use tauri::webview::PageLoadEvent;

const PAGE: &str = "<!doctype html><meta charset=utf-8><title>Hello</title><p>Hello, world</p>";

fn main() {
    let mut context = tauri::generate_context!();
    if let Some(window) = context.config_mut().app.windows.first_mut() {
        window.url = tauri::WebviewUrl::External("hello://localhost/".parse().expect("a URL"));
    }
    tauri::Builder::default()
        .register_uri_scheme_protocol("hello", |_, _| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html")
                .body(PAGE.as_bytes().to_vec())
                .expect("a response")
        })
        .on_page_load(|_, payload| {
            if payload.event() == PageLoadEvent::Finished {
                println!("painted ms={}", sportello_lib::launch_age().as_millis());
            }
        })
        .run(context)
        .expect("the window runs");
}
