"""A sober look in the spirit of the French State's design system (DSFR), served offline.

System fonts only (a Marianne-like stack: Marianne where installed, else the system's sans
serif), no gradients, blue #000091 on white. Gradio's ``GoogleFont`` would load from Google:
never used here. In Gradio 6 the theme, CSS and JS are given to ``launch()`` or
``mount_gradio_app()``, not to ``Blocks``: see ``page_options()``.
"""

from __future__ import annotations

from typing import Any

from assistant.bilan.labels import BLUE_FRANCE, TEXT

BLUE_FRANCE_HOVER = "#1212ff"
TEXT_MUTED = "#3a3a3a"
FOCUS = "#0a76f6"

FONT_STACK = (
    "Marianne",
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Arial",
    "sans-serif",
)
MONO_STACK = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

CSS = f"""
.gradio-container {{ max-width: 1100px !important; margin: 0 auto !important; }}
#tn-header {{
  border-bottom: 1px solid #dddddd; padding: 0.75rem 0 1rem 0; margin-bottom: 0.25rem;
  display: flex; align-items: center; gap: 1.25rem;
}}
#tn-header .tn-bloc {{
  font-weight: 700; font-size: 0.8rem; line-height: 1.05; text-transform: uppercase;
  color: {TEXT}; border-left: 4px solid {BLUE_FRANCE}; padding-left: 0.6rem;
}}
#tn-header h1 {{ font-size: 1.45rem; margin: 0; color: {BLUE_FRANCE}; font-weight: 700; }}
#tn-header p {{ margin: 0.15rem 0 0 0; color: {TEXT_MUTED}; }}
.tn-notice {{
  background: #e8edff; border-left: 4px solid {BLUE_FRANCE}; color: {TEXT};
  padding: 0.6rem 0.9rem; margin: 0.25rem 0;
}}
.tn-notice strong {{ color: {BLUE_FRANCE}; }}
.tn-backend {{ color: {TEXT_MUTED}; font-size: 0.9rem; }}
.tn-warning {{
  background: #ffe9e6; border-left: 4px solid #ce0500; color: {TEXT}; padding: 0.5rem 0.8rem;
}}
.gradio-container table, .gradio-container table * {{ font-family: var(--font) !important; }}
*:focus-visible {{ outline: 2px solid {FOCUS} !important; outline-offset: 2px !important; }}
a {{ color: {BLUE_FRANCE}; }}
footer {{ color: {TEXT_MUTED}; }}
"""

# Runs once when the page loads: French page language, and the light DSFR palette even on a
# system in dark mode (the page is designed for it).
PAGE_JS = """
() => {
  document.documentElement.lang = "fr";
  document.body.classList.remove("dark");
  document.querySelector(".gradio-container")?.classList.remove("dark");
}
"""


#: CSS keywords that name the system's own fonts: they must not be quoted.
SYSTEM_KEYWORDS = frozenset({"system-ui", "-apple-system", "ui-sans-serif", "ui-monospace"})


def _font(name: str) -> Any:
    """A font Gradio never downloads; system keywords stay unquoted (quoted, CSS would look
    for a font *named* « system-ui »)."""
    import gradio as gr

    class SystemFont(gr.themes.Font):
        def __str__(self) -> str:
            return self.name if self.name in SYSTEM_KEYWORDS else super().__str__()

    return SystemFont(name)


def dsfr_theme() -> Any:
    import gradio as gr

    blue = gr.themes.Color(
        c50="#f5f5fe",
        c100="#ececfe",
        c200="#e3e3fd",
        c300="#cacafb",
        c400="#8585f6",
        c500="#6a6af4",
        c600=BLUE_FRANCE_HOVER,
        c700=BLUE_FRANCE,
        c800="#00006d",
        c900="#000050",
        c950="#00003a",
        name="bleu-france",
    )
    grey = gr.themes.Color(
        c50="#f6f6f6",
        c100="#eeeeee",
        c200="#e5e5e5",
        c300="#dddddd",
        c400="#929292",
        c500="#666666",
        c600="#3a3a3a",
        c700="#2a2a2a",
        c800="#242424",
        c900="#1e1e1e",
        c950="#161616",
        name="gris",
    )
    theme = gr.themes.Default(
        primary_hue=blue,
        secondary_hue=blue,
        neutral_hue=grey,
        radius_size=gr.themes.sizes.radius_sm,
        font=[_font(name) for name in FONT_STACK],
        font_mono=[_font(name) for name in MONO_STACK],
    )
    return theme.set(
        body_background_fill="white",
        body_text_color=TEXT,
        body_text_color_subdued=TEXT_MUTED,
        background_fill_primary="white",
        background_fill_secondary="#f6f6f6",
        block_title_text_color=TEXT,
        block_label_text_color=TEXT,
        block_info_text_color=TEXT_MUTED,
        link_text_color=BLUE_FRANCE,
        link_text_color_visited=BLUE_FRANCE,
        link_text_color_hover=BLUE_FRANCE_HOVER,
        button_primary_background_fill=BLUE_FRANCE,
        button_primary_background_fill_hover=BLUE_FRANCE_HOVER,
        button_primary_text_color="white",
        button_primary_border_color=BLUE_FRANCE,
        button_secondary_background_fill="white",
        button_secondary_background_fill_hover="#f6f6f6",
        button_secondary_text_color=BLUE_FRANCE,
        button_secondary_border_color=BLUE_FRANCE,
        button_cancel_background_fill="#ce0500",
        button_cancel_background_fill_hover="#ff2725",
        button_cancel_text_color="white",
        button_cancel_border_color="#ce0500",
        input_border_color="#929292",
        input_border_color_focus=BLUE_FRANCE,
        checkbox_background_color_selected=BLUE_FRANCE,
        checkbox_border_color_selected=BLUE_FRANCE,
        color_accent=BLUE_FRANCE,
        color_accent_soft="#ececfe",
        loader_color=BLUE_FRANCE,
        slider_color=BLUE_FRANCE,
    )


def page_options() -> dict[str, Any]:
    """Keyword arguments for ``mount_gradio_app`` (or ``launch``): look, and privacy."""
    return {
        "theme": dsfr_theme(),
        "css": CSS,
        "js": PAGE_JS,
        "footer_links": ["api"],
        # Run history would keep the agents' questions (personal data included) in the browser.
        "run_history": False,
    }
