//! ECharts in the browser: loaded on demand by the first chart of a page, and charts freed.

use leptos::prelude::*;

/// Where ECharts is served from (npm's echarts 5, in `public/`).
const ECHARTS_SRC: &str = "/echarts.min.js";

/// Runs `draw` on the next frame once ECharts is in the page. Only pages with charts load it
/// (about 270 KB with brotli), on their first chart: a `<script>` added once, whose load runs
/// every chart waiting for it. A failed load removes the script, so the next chart tries again.
pub(super) fn with_echarts(draw: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    let window = leptos::prelude::window();
    let loaded = js_sys::Reflect::get(&window, &"echarts".into()).is_ok_and(|v| !v.is_undefined());
    if loaded {
        request_animation_frame(draw);
        return;
    }
    let document = leptos::prelude::document();
    let script = document.get_element_by_id(ECHARTS_SCRIPT_ID).or_else(|| {
        let script = document.create_element("script").ok()?;
        script.set_id(ECHARTS_SCRIPT_ID);
        script.set_attribute("src", ECHARTS_SRC).ok()?;
        let failed = wasm_bindgen::closure::Closure::once_into_js(|| {
            if let Some(script) = leptos::prelude::document().get_element_by_id(ECHARTS_SCRIPT_ID) {
                script.remove();
            }
        });
        let _ = script.add_event_listener_with_callback("error", failed.unchecked_ref());
        document.head()?.append_child(&script).ok()?;
        Some(script)
    });
    let Some(script) = script else { return };
    let on_load = wasm_bindgen::closure::Closure::once_into_js(move || request_animation_frame(draw));
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let _ = script.add_event_listener_with_callback_and_add_event_listener_options(
        "load",
        on_load.unchecked_ref(),
        &options,
    );
}

const ECHARTS_SCRIPT_ID: &str = "echarts-script";

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// Frees a chart's canvas and listeners.
    #[wasm_bindgen(js_namespace = echarts, js_name = dispose)]
    pub(super) fn dispose(chart: &charming::renderer::Echarts);
}
