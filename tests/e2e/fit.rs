//! Every screen fits the window: at the default size (1200 × 780) and at the
//! smallest the window allows (880 × 600), nothing is wider than the card it
//! sits in, no column title or value is cut, and the page never scrolls
//! sideways. A list wider than its card scrolls inside its own region
//! (`data-scroll-region`), which is the one deliberate exception.

use thirtyfour::prelude::*;

/// The window's default and smallest sizes, as `tauri.conf.json` declares them.
pub const SIZES: [(u32, u32); 2] = [(1200, 780), (880, 600)];

/// Gives the window `width` × `height` of content and waits until the page
/// has laid itself out at that width.
pub async fn resize(driver: &WebDriver, width: u32, height: u32) {
    driver
        .set_window_rect(0, 0, width, height)
        .await
        .expect("the window takes a new size");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let inner = driver.execute("return window.innerWidth;", vec![]).await.unwrap();
        if inner.json().as_u64() == Some(u64::from(width)) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page is {} wide, not {width}",
            inner.json()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// What does not fit on the page as it is now, one line per element: a card
/// (or a section, form, dialog or list) wider than its box, a column title or
/// a value cut short, the page itself wider than the window.
pub async fn overflows(driver: &WebDriver) -> Vec<String> {
    let found = driver
        .execute(
            r#"
            const name = (el) => {
              const id = el.id ? `#${el.id}` : '';
              const test = el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '';
              const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).slice(0, 2).join('.')}` : '';
              return `${el.tagName.toLowerCase()}${id}${test}${cls} "${(el.textContent || '').trim().slice(0, 40)}"`;
            };
            const shown = (el) => el.getClientRects().length > 0;
            const out = [];
            const doc = document.documentElement;
            if (doc.scrollWidth > doc.clientWidth + 1) out.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
            const boxes = 'main, header, .card, .screen, .filters, .vtable, section, article, form, dialog, [role=dialog], nav';
            for (const el of document.querySelectorAll(boxes)) {
              if (!shown(el)) continue;
              const region = el.closest('[data-scroll-region]');
              if (region && region !== el) continue;
              if (el.matches('[data-scroll-region]')) continue;
              if (el.scrollWidth > el.clientWidth + 1) out.push(`wider than its box: ${name(el)} ${el.scrollWidth} > ${el.clientWidth}`);
            }
            const texts = '[role=columnheader], [role=cell], th, td, button, .badge, label, dt, dd';
            for (const el of document.querySelectorAll(texts)) {
              if (!shown(el) || !el.textContent.trim()) continue;
              // A long free text (an asset's description) may stop after two lines when its whole text is one hover away.
              const text = el.textContent.trim();
              if ([el, ...el.querySelectorAll('[title]')].some((t) => t.title && t.title.trim() === text)) continue;
              // Only what the element clips is lost; a badge that overhangs its button on purpose is not.
              const style = getComputedStyle(el);
              const clips = style.overflowX !== 'visible' || style.overflowY !== 'visible' || style.textOverflow === 'ellipsis';
              if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
                out.push(`cut short: ${name(el)} ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
              }
            }
            return out;
            "#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found.json().clone()).unwrap()
}
