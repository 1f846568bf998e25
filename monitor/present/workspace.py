"""Whose monitor this is, in words: the title, the line under it and the domain names, all from the
store's catalogue (monitor.model.Profile); the message table only has the neutral title of a store
whose catalogue declares no workspace."""

from __future__ import annotations

from monitor.model import Profile
from monitor.present.i18n import t

__all__ = ["domain_name", "subtitle", "title"]


def title(profile: Profile, lang: str) -> str:
    """The workspace's title in ``lang``, else the neutral one."""
    return profile.workspace.title(lang) if profile.workspace is not None else t("app.title", lang)


def subtitle(profile: Profile, lang: str) -> str:
    """The organisation, then the source documents it does not already name ("" when neither)."""
    organisation = (profile.workspace.organisation(lang) if profile.workspace is not None else None) or ""
    titles = [s.title_in(lang) for s in profile.sources if s.title_in(lang) not in organisation]
    parts = [organisation] if organisation else []
    if titles:
        parts.append(t("app.based_on", lang, documents=("；" if lang == "zh" else "; ").join(titles)))
    return " · ".join(parts)


def domain_name(profile: Profile, domain: str, lang: str) -> str:
    """A domain's name in ``lang``; one the catalogue does not declare is shown by its id."""
    return profile.domain_name(domain, lang)
