"""What the frame adds to every page: Chinese for the few words Streamlit (1.67) writes itself and
offers no option for, and the furniture every page shares (titles, phone layouts, the favicon).
Installed once per run by app.py (:func:`install`), never per page.

What Streamlit can switch off is switched off where it is owned: the grid's own CSV button by
``client.disableDataExport`` (.streamlit/config.toml; every table has our 下载 CSV / 下载 Excel
buttons), the app menu by ``client.toolbarMode = "minimal"``.  What stays is translated:

- :data:`UI_WORDS` — the English text Streamlit's browser code writes (the hint under a text field
  "Press Enter to submit form", a table's column menu, a table's toolbar tooltips, "No results" in
  a select box …), each with its Chinese.  A small script in the page replaces the text (and the
  ``title`` / ``aria-label`` / ``placeholder`` attributes) whenever Streamlit draws it — the whole
  text of a node must match, so a user's own text is never touched unless it *is* one of these
  phrases; it is our code, not user input, so nothing user-controlled reaches the script.
- the column menu's 统计 (Statistics) and 格式 (Format) sub-menus, whose dozens of English
  entries (Mean, Median, Dollar, Euro …) mean nothing to the users, are hidden by CSS.

The browser test (tests/browser/test_phone_and_language.py) opens the menus and asserts that none
of :data:`UI_WORDS`' English is left on screen."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

# phone layout: below this width a page shows its stacked rows ("phone_…" containers) instead of
# its wide tables ("wide_…" containers); see :func:`phone_and_wide`
PHONE_MAX_PX = 640

UI_WORDS: dict[str, str] = {
    # the hint under a focused text field
    "Press Enter to submit form": "按回车键提交",
    "Press Enter to apply": "按回车键确认",
    "Press Ctrl+Enter to submit form": "按 Ctrl+回车键提交",
    "Press ⌘+Enter to submit form": "按 ⌘+回车键提交",
    "Press Ctrl+Enter to apply": "按 Ctrl+回车键确认",
    "Press ⌘+Enter to apply": "按 ⌘+回车键确认",
    # a table's column menu (click a column's header)
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Statistics": "统计",
    "Format": "数字格式",
    "Autosize": "自动列宽",
    "Pin column": "固定此列",
    "Unpin column": "取消固定",
    "Hide column": "隐藏此列",
    "Copy column name": "复制列名",
    "Dataframe column menu": "列菜单",
    # a table's toolbar (top right of a table, on hover)
    "Download as CSV": "下载 CSV",
    "Search": "搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Show/hide columns": "显示/隐藏列",
    "Close Search": "关闭搜索",
    "Next Result": "下一个",
    "Previous Result": "上一个",
    # select boxes
    "No results": "无匹配项",
    "Choose an option": "请选择",
    "Choose options": "请选择",
    "No options to select": "没有可选项",
    "Select all": "全选",
    "Clear all": "全部清除",
    "Clear value": "清除",
    "Selectbox options": "选项",
    "Multiselect options": "选项",
    # the page frame
    "Skip to main content": "跳到正文",
    "Running...": "正在运行…",
}

_ATTRS = ("title", "aria-label", "placeholder")

_SCRIPT = """<script>
(function () {
  if (window.__jxWords) return;
  window.__jxWords = true;
  const words = %(words)s;
  const attrs = %(attrs)s;
  function fixText(node) {
    const text = node.nodeValue.trim();
    if (text && Object.prototype.hasOwnProperty.call(words, text)) {
      node.nodeValue = node.nodeValue.replace(text, words[text]);
    }
  }
  function fixAttrs(el) {
    for (const a of attrs) {
      const v = el.getAttribute && el.getAttribute(a);
      if (v && Object.prototype.hasOwnProperty.call(words, v.trim())) el.setAttribute(a, words[v.trim()]);
    }
  }
  function fix(node) {
    if (node.nodeType === 3) { fixText(node); return; }
    if (node.nodeType !== 1) return;
    fixAttrs(node);
    const walk = document.createTreeWalker(node, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.nodeType === 3) fixText(n); else fixAttrs(n);
    }
  }
  new MutationObserver(function (changes) {
    for (const c of changes) {
      if (c.type === "childList") c.addedNodes.forEach(fix);
      else if (c.type === "characterData") fixText(c.target);
      else fixAttrs(c.target);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: attrs});
  fix(document.body);
})();
</script>"""

_CSS = """<style>
/* the translating script's own box takes no room */
.st-key-jx_words { display: none; }
/* the column menu's Statistics and Format sub-menus (English entries, of no use here) */
[data-testid=stDataFrameColumnMenu] [role=menuitem][aria-haspopup] { display: none; }
/* a title breaks at its spaces (" · "), not inside "2026年1–10月" (no orphan 月 on a phone) */
[data-testid=stHeading] :is(h1, h2, h3) { word-break: keep-all; overflow-wrap: anywhere; }
/* a table's toolbar floats above the table: room for it, so it never covers the message above */
[data-testid=stElementContainer]:has([data-testid=stDataFrame]) { margin-top: 1.75rem; }
/* one layout for wide screens, one for phones (containers keyed wide_… / phone_…) */
[class*="st-key-phone_"] { display: none; }
@media (min-width: %(wide)dpx) {
  /* tables get the room of Streamlit's wide side margins (5rem each) */
  [data-testid=stMainBlockContainer] { padding-left: 2rem; padding-right: 2rem; }
}
@media (max-width: %(phone)dpx) {
  [class*="st-key-phone_"] { display: flex; }
  [class*="st-key-wide_"] { display: none; }
  [data-testid=stHeading] h1 { font-size: 1.75rem; }
}
</style>"""


def install() -> None:
    """The page-wide CSS and the translating script; call once per run, from the frame."""
    st.html(_CSS % {"phone": PHONE_MAX_PX, "wide": PHONE_MAX_PX + 1})
    with st.container(key="jx_words"):
        st.html(_SCRIPT % {"words": json.dumps(UI_WORDS, ensure_ascii=False), "attrs": json.dumps(list(_ATTRS))},
                unsafe_allow_javascript=True)
