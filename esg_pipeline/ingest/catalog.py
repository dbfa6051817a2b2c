"""The report catalog: which company's report for which year comes from where.

`load_catalog` validates every entry on its own so one broken entry never hides the
good ones: valid entries land in `CatalogLoad.entries`, problems in `CatalogLoad.errors`
(each naming the entry, the field and the problem). Only a file that is not a YAML
mapping at all raises `CatalogFileError`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, computed_field, field_validator

from esg_pipeline.ingest.documents import FormatName

MIN_REPORT_YEAR = 1990  # ESG reporting barely existed before; earlier years are typos


def max_report_year() -> int:
    # A report for next year can be announced, not one for the year after.
    return dt.date.today().year + 1


def _plausible_year(year: int) -> int:
    if not MIN_REPORT_YEAR <= year <= max_report_year():
        raise ValueError(f"year {year} outside plausible range {MIN_REPORT_YEAR}-{max_report_year()}")
    return year


# strict: "2021" in quotes or 2021.5 is a typo worth flagging, not something to coerce
ReportYear = Annotated[int, Field(strict=True), AfterValidator(_plausible_year)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
NonBlank = Annotated[str, Field(min_length=1)]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def slugify(text: str, fallback: str = "report") -> str:
    """Lowercase word characters joined by '-'; keeps CJK letters so Chinese titles stay distinct."""
    text = unicodedata.normalize("NFKC", text).lower()
    slug = re.sub(r"[\W_]+", "-", text).strip("-")
    return slug or fallback


def is_url(source: str) -> bool:
    """True for anything with a URL scheme (http, ftp, file...), False for a local path.

    A one-letter "scheme" is a Windows drive letter, not a URL.
    """
    scheme = urlsplit(source).scheme
    return len(scheme) > 1 and "://" in source


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: a few hundred bytes of nested `*alias` references (an alias bomb)
    expand to millions of items, and a validation error quoting them to hundreds of megabytes."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"found alias *{event.anchor}: YAML aliases are not "
                                              f"allowed (write the value out)", event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` refusing aliases (`*name`); catalogs and sidecars never need them. With libyaml
    the events are checked for aliases and the text loaded in C: a run loads the catalog in every year's
    step, and the pure-Python loader takes ~1 s for a catalog of 1,000 reports."""
    if not yaml.__with_libyaml__:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, f"found alias *{event.anchor}: YAML aliases are not "
                                              f"allowed (write the value out)", event.start_mark)
    return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - libyaml's SafeLoader, aliases refused above


class CatalogFileError(ValueError):
    """The catalog file as a whole is unusable (unreadable, not YAML, not a mapping)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class CompanySpec(_Strict):
    id: Slug
    name: NonBlank
    currency: CurrencyCode | None = None  # ISO 4217: what a bare '$' in its reports stands for

    @field_validator("currency", mode="before")
    @classmethod
    def _upper_currency(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class ReportSpec(_Strict):
    company: Slug
    year: ReportYear
    title: NonBlank
    source: NonBlank
    format: FormatName | None = None
    sha256: Sha256Hex | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower_sha(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class CatalogEntry(_Strict):
    """One report to ingest, with its source resolved (absolute path or URL)."""

    company_id: str
    company_name: str
    year: int
    title: str
    source: str  # as written in the catalog
    resolved_source: str  # absolute local path, or the URL unchanged
    format: str | None = None
    sha256: str | None = None
    currency: str | None = None  # the company's reporting currency (ISO 4217), when the catalog states it

    @computed_field  # type: ignore[prop-decorator]
    @property
    def entry_id(self) -> str:
        return f"{self.company_id}/{self.year}/{slugify(self.title)}"

    @property
    def is_url(self) -> bool:
        return is_url(self.resolved_source)

    @classmethod
    def for_year(cls, entries: Iterable[CatalogEntry], year: int) -> list[CatalogEntry]:
        return [entry for entry in entries if entry.year == year]


class CatalogError(BaseModel):
    """One problem with one catalog item; `str()` gives a line fit for a log or run summary."""

    model_config = ConfigDict(frozen=True)

    section: Literal["companies", "reports"]
    index: int  # position in its section, 0-based
    ref: str  # whatever identifies the item: company id, or company/year and source
    field: str | None  # None when the item as a whole is wrong (e.g. not a mapping)
    problem: str
    year: int | None = None  # the report's year when it can be read, so a partition can record the error

    def __str__(self) -> str:
        where = f"{self.section}[{self.index}]" + (f" ({self.ref})" if self.ref else "")
        what = f"field '{self.field}': " if self.field else ""
        return f"{where}: {what}{self.problem}"


class CatalogLoad(BaseModel):
    path: str
    entries: list[CatalogEntry] = []
    errors: list[CatalogError] = []
    companies: dict[str, str] = {}  # valid company id -> name, with or without reports

    def for_year(self, year: int) -> list[CatalogEntry]:
        return CatalogEntry.for_year(self.entries, year)

    @property
    def years(self) -> list[int]:
        return sorted({entry.year for entry in self.entries})

    def year_digests(self) -> dict[int, str]:
        """A short fingerprint of each year's valid entries: small enough to keep in a sensor cursor."""
        by_year: dict[int, list[str]] = {}
        for entry in self.entries:
            by_year.setdefault(entry.year, []).append(entry.model_dump_json())
        return {year: hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:16]
                for year, rows in by_year.items()}


def changed_years(before: Mapping[int, str] | None, after: Mapping[int, str]) -> set[int]:
    """Years whose entries differ between two `year_digests()` (added, removed or edited entries)."""
    before = before or {}
    return {year for year in before.keys() | after.keys() if before.get(year) != after.get(year)}


def resolve_source(source: str, base_dir: Path) -> str:
    if is_url(source):
        return source
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    return str(path.resolve())


# Catalogs this process has loaded, by (path as given, the file, sha256 of its text, this year): a run loads its
# catalog in every year's step, ~1 s each for 1,000 reports. Validation reads nothing else (sources are resolved,
# not opened; source roots are checked at ingest). The loads are shared: callers read them, never change them.
_LOADED: dict[tuple[str, str, str, int], CatalogLoad] = {}
_LOADED_MAX = 8


def load_catalog(path: str | Path) -> CatalogLoad:
    """The catalog at `path`, validated (the same object again while its text is the same: treat it as
    read-only)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        key = (str(path), str(path.resolve()), hashlib.sha256(text.encode()).hexdigest(), dt.date.today().year)
        if key in _LOADED:
            return _LOADED[key]
        raw = load_yaml(text)
    except OSError as exc:
        raise CatalogFileError(f"{path}: cannot read catalog: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogFileError(f"{path}: catalog is not UTF-8 text: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogFileError(f"{path}: catalog is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogFileError(f"{path}: catalog must be a YAML mapping with 'companies' and 'reports', "
                               f"got {type(raw).__name__}")
    unknown = sorted(str(key) for key in raw if key not in ("companies", "reports"))
    if unknown:
        raise CatalogFileError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; "
                               f"expected 'companies' and 'reports'")
    sections = {}
    for section in ("companies", "reports"):
        items = raw.get(section) or []
        if not isinstance(items, list):
            raise CatalogFileError(f"{path}: '{section}' must be a list, got {type(items).__name__}")
        sections[section] = items
    loaded = _validate(sections["companies"], sections["reports"], path)
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.clear()
    _LOADED[key] = loaded
    return loaded


def _validate(raw_companies: list, raw_reports: list, path: Path) -> CatalogLoad:
    errors: list[CatalogError] = []
    companies: dict[str, CompanySpec] = {}
    for index, item in enumerate(raw_companies):
        ref = str(item.get("id", "")) if isinstance(item, dict) else ""
        company = _parse(CompanySpec, item, "companies", index, ref, errors)
        if company is None:
            continue
        if company.id in companies:
            errors.append(CatalogError(section="companies", index=index, ref=ref, field="id",
                                       problem=f"duplicate company id '{company.id}'"))
            continue
        companies[company.id] = company

    entries: list[CatalogEntry] = []
    seen_ids: dict[str, int] = {}
    for index, item in enumerate(raw_reports):
        ref = _report_ref(item)
        report = _parse(ReportSpec, item, "reports", index, ref, errors)
        if report is None:
            continue
        company = companies.get(report.company)
        if company is None:
            errors.append(CatalogError(section="reports", index=index, ref=ref, field="company",
                                       problem=f"unknown company '{report.company}' (not in 'companies' "
                                               f"or its company entry is invalid)"))
            continue
        entry = CatalogEntry(company_id=company.id, company_name=company.name, year=report.year,
                             title=report.title, source=report.source,
                             resolved_source=resolve_source(report.source, path.parent.resolve()),
                             format=report.format, sha256=report.sha256, currency=company.currency)
        if entry.entry_id in seen_ids:
            errors.append(CatalogError(section="reports", index=index, ref=ref, field="title",
                                       problem=f"duplicate entry id '{entry.entry_id}' "
                                               f"(same as reports[{seen_ids[entry.entry_id]}])"))
            continue
        seen_ids[entry.entry_id] = index
        entries.append(entry)
    errors = [_with_year(error, raw_reports) for error in errors]
    return CatalogLoad(path=str(path), entries=entries, errors=errors,
                       companies={c.id: c.name for c in companies.values()})


def _with_year(error: CatalogError, raw_reports: list) -> CatalogError:
    item = raw_reports[error.index] if error.section == "reports" else None
    year = item.get("year") if isinstance(item, dict) else None
    return error.model_copy(update={"year": year}) if isinstance(year, int) else error


def _report_ref(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    parts = [str(item[key]) for key in ("company", "year") if item.get(key) is not None]
    ref = "/".join(parts)
    if item.get("source"):
        ref = f"{ref} {item['source']}".strip()
    return ref


def _parse(model: type[_Strict], item: Any, section: Literal["companies", "reports"], index: int,
           ref: str, errors: list[CatalogError]) -> Any:
    if not isinstance(item, dict):
        errors.append(CatalogError(section=section, index=index, ref=ref, field=None,
                                   problem=f"expected a mapping, got {type(item).__name__}"))
        return None
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        for field, problem in validation_problems(exc):
            errors.append(CatalogError(section=section, index=index, ref=ref, field=field, problem=problem))
        return None


def validation_problems(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(field, readable problem) for each pydantic error, with the offending value where it helps."""
    problems = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"]) or None
        problem = "unknown field" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        if err["type"] not in ("missing", "extra_forbidden", "value_error"):
            problem = f"{problem} (got {err['input']!r})"
        problems.append((field, problem))
    return problems
