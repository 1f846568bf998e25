"""指标目录 / Catalogue (editors only): add an indicator, add a target or a new version of one, retire an
indicator, and the change log. Each action is one function of monitor.present.catalog_edit, which
validates through the catalogue loader; app.py lists this page only for a session that may edit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import auth, state, widgets
from monitor import clock
from monitor.errors import NotFound, StoreBusy, ValidationError
from monitor.present.catalog_edit import (
    INDICATOR_FIELDS,
    TARGET_FIELDS,
    TARGET_FORMS,
    FieldSpec,
    add_indicator,
    add_target,
    indicator_targets,
    retire_indicator,
    target_values,
)
from monitor.present.i18n import MESSAGES, escape_markdown, t

lang = state.lang()
path = state.db_path()
as_of = state.as_of()

st.caption(t("catalog.intro", lang))
if not auth.may_edit(lang):
    st.stop()
if not auth.catalog_allowed():
    st.warning(t("auth.catalog_limited", lang), icon=":material/lock:")
    st.stop()
who = auth.editor_name()
db = state.store(path)
profile = state.profile(path)


def _choice_label(spec: FieldSpec, value: str) -> str:
    key = f"{spec.labels}.{value}"
    return t(key, lang) if spec.labels and key in MESSAGES else value


def _field(name: str, spec: FieldSpec, key: str, default: Any = None, *, choices: tuple[str, ...] | None = None,
           shown: Any = None, unit: str | None = None) -> Any:
    """One form field as its spec says (labels: MESSAGES "catalog.field.<name>"; ``choices`` and ``shown``
    replace the spec's choices and their labels)."""
    label = t(f"catalog.field.{name}", lang)
    if spec.display_unit and unit:
        label = t("catalog.in_unit", lang, label=label, unit=unit)
    if spec.kind == "choice":
        options = list(choices if choices is not None else spec.choices)
        # Nothing chosen unless a default is given: an optional choice left empty takes the loader's default.
        index = options.index(default) if default in options else None
        return st.selectbox(escape_markdown(label), options, index=index, key=key,
                            format_func=shown or (lambda v: _choice_label(spec, v)), placeholder=t("catalog.pick", lang))
    if spec.kind == "date":
        return st.date_input(escape_markdown(label), value=default, format="YYYY-MM-DD", key=key)
    return st.text_input(escape_markdown(label), value="" if default is None else str(default), key=key)


def _refused(error: Exception, heading: str) -> None:
    if isinstance(error, ValidationError):
        widgets.problems(error.problems, lang, heading=heading)
    elif isinstance(error, StoreBusy):
        st.error(t("app.busy", lang))
    else:
        st.error(escape_markdown(str(error)))  # the message names the input: plain text


FLASH = "cat_flash"


def _done(message: str) -> None:
    """After a change: forget the cached reads and run the page again (every list shows the change),
    with the message shown at the top."""
    state.invalidate()
    st.session_state[FLASH] = message
    st.rerun()


flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(escape_markdown(flash), icon=":material/check_circle:")


def _indicator_name(row: dict[str, Any]) -> str:
    return f"{row['name_zh'] if lang == 'zh' else row['name_en']} ({row['id']})"


# ---- The indicators, retired ones on request.
show_retired = st.toggle(t("catalog.show_retired", lang), key="cat_show_retired")
rows = state.indicators(path, include_retired=show_retired)
frame = pd.DataFrame([
    {
        t("catalog.col.id", lang): r["id"],
        t("catalog.col.name", lang): r["name_zh"] if lang == "zh" else r["name_en"],
        t("catalog.col.domain", lang): profile.domain_name(r["domain"], lang),
        t("catalog.col.unit", lang): r["display_unit"],
        t("catalog.col.targets", lang): r["targets"],
        t("catalog.col.retired", lang): f"{r['retired_on']}: {r['retired_reason']}" if r["retired_on"] else "",
    }
    for r in rows
])
st.dataframe(frame, hide_index=True, key="cat_table")

active = {r["id"]: r for r in state.indicators(path)}
add_tab, target_tab, retire_tab, log_tab = st.tabs([
    t("catalog.tab.add", lang), t("catalog.tab.target", lang), t("catalog.tab.retire", lang), t("catalog.tab.log", lang),
])

# ---- Add an indicator.
with add_tab, st.form("cat_add_form", border=True):
    values: dict[str, Any] = {}
    for name, spec in INDICATOR_FIELDS.items():
        if name == "domain":  # the store's domains, by their names
            values[name] = _field(name, spec, "cat_ind_domain", choices=tuple(d.id for d in profile.domains),
                                  shown=lambda d: profile.domain_name(d, lang))
        else:
            values[name] = _field(name, spec, f"cat_ind_{name}")
    added = st.form_submit_button(t("catalog.add_submit", lang), type="primary", key="cat_ind_submit")
if added:
    with add_tab:
        try:
            indicator = add_indicator(db, values, who)
        except (ValidationError, StoreBusy) as e:
            _refused(e, t("catalog.add_errors", lang))
        else:
            _done(t("catalog.added", lang, id=indicator.id))

# ---- Add a target, or a new version of one.
with target_tab:
    ids = list(active)
    chosen = st.selectbox(t("catalog.indicator", lang), ids, index=None, key="cat_tgt_indicator",
                          format_func=lambda i: _indicator_name(active[i]), placeholder=t("catalog.pick", lang))
    if chosen is None:
        st.info(t("catalog.pick_indicator", lang))
    else:
        indicator, existing = indicator_targets(db, chosen)
        by_id = {x.id: x for x in existing}
        new = ""
        which = st.selectbox(t("catalog.target", lang), [new, *by_id], key=f"cat_tgt_which_{chosen}",
                             format_func=lambda i: t("catalog.new_target", lang) if i == new else
                             t("catalog.version_of", lang, id=i, version=by_id[i].version))
        previous = by_id.get(which)
        kinds = list(TARGET_FORMS)
        kind = st.selectbox(t("catalog.kind", lang), kinds, key=f"cat_tgt_kind_{chosen}_{which}",
                            index=kinds.index(previous.kind.value) if previous and previous.kind.value in kinds else 0,
                            format_func=lambda k: t(f"catalog.kind.{k}", lang))
        defaults = target_values(previous, indicator) if previous is not None else {}
        suffix = f"{chosen}_{which}_{kind}"
        with st.form(f"cat_tgt_form_{suffix}", border=True):
            typed: dict[str, Any] = {}
            for name in TARGET_FORMS[kind]:
                typed[name] = _field(name, TARGET_FIELDS[name], f"cat_tgt_{name}_{suffix}", defaults.get(name),
                                          unit=indicator.display_unit)
            reason = st.text_input(t("catalog.reason", lang) if previous else t("catalog.note", lang),
                                   key=f"cat_tgt_reason_{suffix}")
            valid_from = st.date_input(t("catalog.valid_from", lang), value=None, format="YYYY-MM-DD",
                                       help=t("catalog.valid_from_help", lang), key=f"cat_tgt_from_{suffix}")
            saved = st.form_submit_button(t("catalog.target_submit", lang), type="primary", key="cat_tgt_submit")
        if saved:
            try:
                target = add_target(db, chosen, kind, typed, who, target_id=previous.id if previous else None,
                                    reason=reason, valid_from=valid_from if isinstance(valid_from, date) else None)
            except (ValidationError, StoreBusy, NotFound) as e:
                _refused(e, t("catalog.target_errors", lang))
            else:
                _done(t("catalog.target_saved", lang, id=target.id, version=target.version))

# ---- Retire an indicator.
with retire_tab:
    with st.form("cat_retire_form", border=True):
        retiring = st.selectbox(t("catalog.indicator", lang), list(active), index=None, key="cat_ret_indicator",
                                format_func=lambda i: _indicator_name(active[i]), placeholder=t("catalog.pick", lang))
        why = st.text_input(t("catalog.reason", lang), key="cat_ret_reason")
        sure = st.checkbox(t("catalog.retire_confirm", lang), key="cat_ret_confirm")
        retire = st.form_submit_button(t("catalog.retire_submit", lang), key="cat_ret_submit")
    st.caption(t("catalog.retire_note", lang))
    if retire:
        if retiring is None:
            st.error(t("catalog.pick_indicator", lang))
        elif not sure:
            st.error(t("catalog.retire_unconfirmed", lang))
        else:
            try:
                retirement = retire_indicator(db, retiring, why, who)
            except (ValidationError, StoreBusy, NotFound) as e:
                _refused(e, t("catalog.retire_errors", lang))
            else:
                _done(t("catalog.retired", lang, id=retiring, date=retirement.date.isoformat()))

# ---- The change log.
with log_tab:
    changes = state.catalog_changes(path)
    if not changes:
        st.info(t("catalog.no_changes", lang))
    else:
        st.dataframe(pd.DataFrame([
            {
                t("catalog.col.when", lang): clock.stamp(datetime.fromisoformat(c["changed_at"])),
                t("catalog.col.who", lang): c["changed_by"],
                t("catalog.col.what", lang): t(f"catalog.what.{c['what']}", lang)
                if f"catalog.what.{c['what']}" in MESSAGES else c["what"],
                t("catalog.col.id", lang): c["indicator_id"],
                t("catalog.col.target", lang): c["target_id"] or "",
                t("catalog.col.reason", lang): c["reason"] or "",
                t("catalog.col.details", lang): ", ".join(f"{k}={v}" for k, v in c["details"].items()),
            }
            for c in changes
        ]), hide_index=True, key="cat_log")
