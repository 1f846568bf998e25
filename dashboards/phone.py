"""The phone view: the overview as cards on a narrow screen, links that carry their state, picture cards.

How a phone gets it: Streamlit knows nothing of the screen's width on the server, so every overview
holds both layouts and constant CSS media queries pick one in the browser (PHONE_MAX_PX): at most
640 CSS pixels wide the card list (``phone_overview``) shows and the desktop parts of the overview
(known-on date, counts, filter row, table: the keyed elements in DESKTOP_KEYS) are hidden; wider, the
reverse. The header is compacted the same way. No user text is ever markup here: names, figures and
sources go through Streamlit's text elements (escaped), the CSS is a constant and the sparkline SVG is
made of numbers only.

Links: the overview's state lives in the query string (``lang``, ``known_on``, ``domain``, ``status``,
``nature``, ``document``, ``q``, ``stale``, ``targets``, ``retired``: every filter of the overview;
monitor.present.cards.share_query), read when a page opens and written back when a filter changes, so
the address bar and the "share link" box always open the same view elsewhere. The filters beyond domain
and status are read from the overview's own widgets (their keys in OVERVIEW_FILTERS), so the overview's
calls stay as they are. The phone's cards follow the nature filter, which shows on a phone too.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from dashboards import state, widgets
from monitor.present import workspace
from monitor.present.card_image import render_png
from monitor.present.cards import goal_card, phone_order, share_query, share_url, summary_card
from monitor.present.i18n import escape_markdown, status_text, t
from monitor.present.overview import filter_rows, period_ends
from monitor.present.overview_table import sparkline_img

PHONE_MAX_PX = 640
# The overview's desktop parts (dashboards/overview.py keys), hidden on a phone.
DESKTOP_KEYS = ("ov_top", "ov_known_on", "ov_counts", "ov_filters", "ov_table_box", "ov_caption", "goal_readings_table")
ATTENTION = ("not_met", "deterioration", "limited_progress", "needs_acceleration")
# Cards drawn at first, and added by each "show more": a card is about nine Streamlit elements, which every
# overview sends (a desktop hides them by CSS), so drawing all of them made the overview's rerun ~10x slower
# at 1,000 goals (bench/run.py's overview task); the cards come most urgent first (phone_order).
PHONE_CARDS = 50
_PAGES = ("overview", "goal", "office", "add", "import", "refresh", "methodology")

_hide_desktop = ", ".join(f".st-key-{key}" for key in DESKTOP_KEYS)
CSS = f"""
<style>
@media (max-width: {PHONE_MAX_PX}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 4rem; }}
  .st-key-app_header [data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap; gap: 0.5rem; }}
  .st-key-app_header [data-testid="stColumn"] {{ min-width: 0; width: auto; flex: 1 1 auto; }}
  .st-key-app_header [data-testid="stColumn"]:last-child {{ flex: 0 0 auto; }}
  .st-key-app_header h1 {{ font-size: 1.15rem; line-height: 1.35; padding: 0; }}
  .st-key-app_header [data-testid="stButtonGroup"] button {{ padding: 0 0.45rem; min-height: 1.9rem; }}
  .st-key-app_header [data-testid="stButtonGroup"] button p {{ font-size: 0.8rem; }}
  .st-key-app_header [data-testid="stCaptionContainer"] p {{
    white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
  {_hide_desktop} {{ display: none !important; }}
  .st-key-goal_share, .st-key-goal_header {{ gap: 0.5rem; }}
  [class*="st-key-goal_figures"] [data-testid="stColumn"] {{ min-width: calc(50% - 0.5rem); flex: 1 1 calc(50% - 0.5rem); }}
  [data-testid="stMetricValue"] {{ font-size: 1.5rem; }}
  [data-testid="stMainBlockContainer"] h2 {{ font-size: 1.45rem; }}
  [data-testid="stMainBlockContainer"] h3 {{ font-size: 1.15rem; }}
}}
@media (min-width: {PHONE_MAX_PX + 1}px) {{
  .st-key-phone_overview, .st-key-goal_readings_phone {{ display: none !important; }}
}}
[class*="st-key-ph_card_"] p {{ margin-bottom: 0; }}
/* A goal's name wraps: Streamlit sets page links on one line, which cut long names off at 390 px. */
[class*="st-key-ph_card_"] [data-testid="stPageLink"] p {{ font-size: 1.05rem; font-weight: 600;
  line-height: 1.35; white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere; }}
[class*="st-key-ph_card_"] [data-testid="stPageLink"] * {{ white-space: normal; max-width: 100%; }}
[class*="st-key-ph_card_"] [data-testid="stPageLink-NavLink"] {{ padding-left: 0; margin-left: 0; }}
</style>
"""


def style() -> None:
    """The phone CSS (a constant): called once per page by widgets.header."""
    st.html(CSS)


# ---------------------------------------------------------------- state in the query string


def _url_list(key: str) -> list[str]:
    raw = st.query_params.get(key) or ""
    return [part for part in raw.split(",") if part]


# The overview's other filters: (widget key, query key), read from st.session_state.
OVERVIEW_FILTERS = {
    "natures": ("ov_nature", "nature"), "source": ("ov_source", "document"), "text": ("ov_text", "q"),
    "stale_only": ("ov_stale", "stale"), "targets_only": ("ov_targets", "targets"),
    "include_retired": ("ov_retired", "retired"),
    "as_of": ("ov_as_of", "day"), "since": ("ov_since", "since"),
}
_NATURES = ("binding", "expected")


def _other_filters() -> dict[str, Any]:
    """The overview's filters beyond known-on, domain and status, as share_query takes them."""
    values: dict[str, Any] = {}
    for name, (key, _) in OVERVIEW_FILTERS.items():
        value = st.session_state.get(key)
        if name == "natures":
            values[name] = tuple(v for v in (value or ()) if v in _NATURES)
        elif name == "source":
            values[name] = value or None
        elif name == "text":
            values[name] = str(value or "")
        elif name in ("as_of", "since"):
            values[name] = value if isinstance(value, date) else None
        else:
            values[name] = bool(value)
    return values


def _first_value(key: str, value: Any) -> None:
    # A widget's first value only: once the page has drawn it, the widget's own state wins.
    if key not in st.session_state:
        st.session_state[key] = value


def url_known_on(today: date) -> None:
    """Before the overview's first row: its first values are ?known_on= (a past date; else ignored),
    ?document= (a source document the workspace declares) and ?retired=1."""
    documents = {x.id for x in state.profile(state.db_path()).sources}
    if st.query_params.get("document") in documents:
        _first_value("ov_source", st.query_params.get("document"))
    if st.query_params.get("retired") == "1":
        _first_value("ov_retired", True)
    # ?day= and ?since=: only a period end the overview offers (a day the select box holds), since before it.
    offered = {d.isoformat(): d for d, _ in period_ends(today)}
    chosen = offered.get(st.query_params.get("day") or "")
    if chosen is not None:
        _first_value("ov_as_of", chosen)
    compared = offered.get(st.query_params.get("since") or "")
    try:
        known = min(date.fromisoformat(st.query_params.get("known_on") or ""), today)
    except ValueError:
        known = today
    if compared is not None and compared < (chosen or known):
        _first_value("ov_since", compared)
    raw = st.query_params.get("known_on")
    if "ov_known_on" in st.session_state or not raw:
        return
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return
    if day <= today:
        st.session_state["ov_known_on"] = day


def url_filters(domains: list[str], statuses: list[str]) -> None:
    """Before the overview's filters (desktop and phone): their first values are ?domain= and ?status=
    (values the page does not offer are dropped)."""
    for keys, url_key, offered in ((("ov_domain", "ph_domain"), "domain", domains),
                                   (("ov_status", "ph_status"), "status", statuses)):
        wanted = [v for v in _url_list(url_key) if v in offered]
        for key in keys:
            if key not in st.session_state:
                st.session_state[key] = wanted
    # The other filters of the overview's filter row, from ?nature=, ?q=, ?stale=1 and ?targets=1.
    natures = [v for v in _url_list("nature") if v in _NATURES]
    if natures:
        _first_value("ov_nature", natures)
    if st.query_params.get("q"):
        _first_value("ov_text", str(st.query_params.get("q"))[:200])
    for key, url_key in (("ov_stale", "stale"), ("ov_targets", "targets")):
        if st.query_params.get(url_key) == "1":
            _first_value(key, True)


def remember(known_on: date | None, domains: list[str], statuses: list[str], source: str = "desktop") -> None:
    """Put the overview's state in the query string when it changed on the ``source`` filters (the
    desktop and the phone filters each write their own changes; the last change wins)."""
    others = _other_filters()
    now = (known_on, tuple(domains), tuple(statuses), tuple(sorted(others.items())))
    last_key = f"_ph_last_{source}"
    if st.session_state.get(last_key) == now:
        return
    first = last_key not in st.session_state
    st.session_state[last_key] = now
    if first and source == "phone":
        return  # the phone filters start from the URL: nothing to write until they change
    wanted = share_query(state.lang(), known_on=known_on, domains=domains, statuses=statuses, **others)
    for key in ("known_on", "domain", "status", *(url_key for _, url_key in OVERVIEW_FILTERS.values())):
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def base_url() -> str:
    """The app's address as the browser sees it, without the page and the query ('' when unknown)."""
    url = st.context.url or ""
    parts = urlsplit(url)
    if not parts.scheme:
        return ""
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] in _PAGES:
        path = path.rsplit("/", 1)[0]
    return f"{parts.scheme}://{parts.netloc}{path}"


def share_box(page: str, query: dict[str, str]) -> None:
    """The link to ``page`` ("" for the overview: the default page is the app's root; /overview is no
    page) with ``query``; st.code shows it as text (with a copy button), never as a link."""
    st.caption(t("share.help", state.lang()))
    st.code(share_url(base_url(), page, query), language=None, wrap_lines=True)


@st.cache_data(ttl=state.TTL_S, show_spinner=False, max_entries=64)
def _goal_png(path: str, indicator_id: str, day: date, lang: str) -> bytes:
    return render_png(goal_card(state.store(path), indicator_id, day, lang))


def picture(png: bytes, file_name: str, lang: str, key: str) -> None:
    """The card as an image (long-press or right-click copies it) and a download button."""
    st.caption(t("card.copy_help", lang))
    st.image(png, width="stretch")
    st.download_button(t("card.download", lang), png, file_name=file_name, mime="image/png", key=f"{key}_download",
                       icon=":material/download:")


def goal_share(path: str, indicator_id: str, day: date, lang: str) -> None:
    """The goal page's share link and picture card, behind two toggles."""
    with st.container(key="goal_share", horizontal=True, gap="medium"):
        show_link = st.toggle(t("share.link", lang), key="goal_share_link")
        show_picture = st.toggle(t("card.copy", lang), key="goal_share_picture")
    if show_link:
        share_box("goal", share_query(lang, goal=indicator_id))
    if show_picture:
        picture(_goal_png(path, indicator_id, day, lang), f"{indicator_id}-{day.isoformat()}.png", lang, "goal_card")


# ---------------------------------------------------------------- the overview as cards


def goal_readings(rows: list[dict[str, Any]], lang: str, limit: int = 12) -> None:
    """The newest readings as a short list for a phone (the goal page's table is hidden there): period and
    value in bold, the source under them; the table on a wide screen has every reading and column."""
    with st.container(key="goal_readings_phone", gap="small"):
        for row in rows[:limit]:  # newest first, as monitor.present.chart_data.reading_table gives them
            st.markdown(escape_markdown(f"{row['period']} · {row['value']}"))
            if row.get("source"):
                st.caption(escape_markdown(f"{t('card.source', lang)}{row['source']}"))
        if len(rows) > limit:
            st.caption(t("phone.more_readings", lang, n=len(rows) - limit))


def _sparkline_html(values: list[float]) -> str:
    """The overview's sparkline image, as wide as the card."""
    return sparkline_img(values, "width:100%;height:32px;display:block")


def _card(n: int, row: dict[str, Any], lang: str) -> None:
    query = {"goal": row["indicator_id"], "lang": lang}
    with st.container(border=True, key=f"ph_card_{n}", gap="small"):
        st.page_link("goal.py", label=escape_markdown(row["name"]), query_params=query, width="stretch")
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            widgets.badge(row["status_code"], lang)
            st.caption(escape_markdown(row["domain"]))
        st.markdown(f"**{escape_markdown(row['latest'])}**")
        st.caption(escape_markdown(f"{t('goal.target', lang)}{t('punct.colon', lang)}{row['target']}"))
        if row["stale"]:
            st.caption(escape_markdown(row["freshness"]))
        if len(row["trend"]) >= 2:
            st.html(_sparkline_html([float(v) for v in row["trend"]]))


def overview_cards(
    slot: Any, rows: list[dict[str, Any]], lang: str, known_on: date | None, day: date,
    domains: list[str], statuses: list[str], domain_name: Any,
) -> None:
    """The overview on a phone, in ``slot`` (created first on the page, so it leads): a summary line, the
    filters folded in an expander, one card per goal (phone_order), the share link and the summary picture."""
    with slot:
        with_target = [r for r in rows if r["status_code"] != "no_target"]
        attention = sum(1 for r in with_target if r["status_code"] in ATTENTION)
        st.caption(escape_markdown(t("phone.summary", lang, attention=attention, total=len(with_target))))
        if known_on is not None:
            st.caption(t("overview.known_on_note", lang, day=known_on.isoformat()))
        with st.expander(t("phone.filters", lang), icon=":material/filter_list:"):
            chosen_domains = st.multiselect(
                t("overview.filter_domain", lang), domains, format_func=domain_name,
                placeholder=t("common.all", lang), key="ph_domain",
            )
            chosen_statuses = st.multiselect(
                t("overview.filter_status", lang), statuses, format_func=lambda s: status_text(s, lang),
                placeholder=t("common.all", lang), key="ph_status",
            )
        remember(known_on, chosen_domains, chosen_statuses, source="phone")
        # The nature filter (the overview's, shown on a phone too) narrows the cards as it does the table.
        # As on the desktop, only once a goal is binding (before that the filter is not drawn).
        natures = _other_filters()["natures"] if any(r.get("nature_code") == "binding" for r in rows) else ()
        shown = phone_order(filter_rows(rows, domains=chosen_domains, statuses=chosen_statuses, natures=natures))
        st.caption(t("phone.showing", lang, shown=len(shown), total=len(rows)))
        if not shown:
            st.info(t("overview.empty", lang))
        drawn = st.session_state.get("ph_cards_drawn", PHONE_CARDS)
        for n, row in enumerate(shown[:drawn]):
            _card(n, dict(row), lang)
        if len(shown) > drawn:
            st.button(t("phone.more_cards", lang, n=min(PHONE_CARDS, len(shown) - drawn)), key="ph_more_cards",
                      on_click=_more_cards, width="stretch")


def _more_cards() -> None:
    st.session_state["ph_cards_drawn"] = st.session_state.get("ph_cards_drawn", PHONE_CARDS) + PHONE_CARDS


def overview_share(rows: list[dict[str, Any]], lang: str, day: date, known_on: date | None,
                   domains: list[str], statuses: list[str], path: str) -> None:
    """The overview's share link and summary picture (both layouts), behind two toggles."""
    with st.container(key="overview_share", horizontal=True, gap="medium"):
        show_link = st.toggle(t("share.link", lang), key="ov_share_link")
        show_picture = st.toggle(t("card.copy", lang), key="ov_share_picture")
    if show_link:
        share_box("", share_query(lang, known_on=known_on, domains=domains, statuses=statuses, **_other_filters()))
    if show_picture:
        profile = state.profile(path)
        card = summary_card(rows, known_on or day, lang, workspace.title(profile, lang),
                            workspace.subtitle(profile, lang) or workspace.title(profile, lang))
        picture(render_png(card), f"summary-{(known_on or day).isoformat()}.png", lang, "ov_card")

