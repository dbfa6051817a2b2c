"""Pure helpers behind the inbox sensor: which dropped files exist, what they are, what is new.

A report dropped into the inbox is named `<company>_<year>_<title>.<ext>`, or has a sidecar
`<file>.yaml` (company, company_name, year, title, format); when neither gives the year it
is inferred from the report text.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from esg_pipeline.ingest.catalog import (
    MIN_REPORT_YEAR, CatalogEntry, CatalogLoad, ReportYear, Slug, load_yaml, max_report_year, validation_problems,
)
from esg_pipeline.ingest.documents import (
    DEFAULT_MAX_BYTES,
    FORMATS,
    DocumentError,
    FormatName,
    format_from_name,
    read_document,
)

SIDECAR_SUFFIXES = (".yaml", ".yml")
_PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".download", "~")  # still being written
_FILENAME = re.compile(r"^(?P<company>[a-z0-9][a-z0-9-]*)(?:_(?P<year>(?:19|20)\d\d))?(?:_(?P<title>.+))?$")
MIN_INFERRED_YEAR = 2000

YearSource = Literal["sidecar", "filename", "text"]


@dataclass(frozen=True)
class InboxFile:
    path: Path
    fingerprint: str  # changes when the file or its sidecar changes
    company_id: str | None = None
    company_name: str | None = None
    year: int | None = None
    title: str | None = None
    format: str | None = None
    year_source: YearSource | None = None
    problem: str | None = None  # why no catalog entry can be made; names the file

    @property
    def ready(self) -> bool:
        return self.problem is None


class _Sidecar(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company: Slug | None = None
    company_name: str | None = None
    year: ReportYear | None = None
    title: str | None = None
    format: FormatName | None = None


def file_fingerprint(path: Path) -> str:
    """Cheap change marker (name, size, mtime) for a sensor cursor; includes the sidecar."""
    parts = []
    for candidate in (path, *_sidecar_candidates(path)):
        try:
            st = candidate.stat()
        except FileNotFoundError:
            continue
        parts.append(f"{candidate.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def new_files(files: Iterable[InboxFile], seen_fingerprints: Collection[str]) -> list[InboxFile]:
    return [f for f in files if f.fingerprint not in seen_fingerprints]


def scan_inbox(folder: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[InboxFile]:
    """Every report-like file in `folder` (not recursive), sorted by name; a missing folder is empty."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [_describe(path, max_bytes) for path in sorted(folder.iterdir()) if _is_candidate(path)]


def _is_candidate(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not name.startswith(".") and not name.endswith(_PARTIAL_SUFFIXES)
            and not name.lower().endswith(SIDECAR_SUFFIXES))


def _sidecar_candidates(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in SIDECAR_SUFFIXES]


def _describe(path: Path, max_bytes: int) -> InboxFile:
    fingerprint = file_fingerprint(path)
    fmt = format_from_name(path.name)
    match = _FILENAME.match(path.stem)
    fields: dict = {}
    if path.is_symlink():  # it could point anywhere (/etc, ~/.ssh): named, never read
        if match and match["year"]:
            fields = {"company_id": match["company"], "year": int(match["year"]), "year_source": "filename"}
        return InboxFile(path=path, fingerprint=fingerprint, **fields,
                         problem=f"{path}: a symbolic link; inbox files are not followed (copy the report in)")
    if match:
        fields = {"company_id": match["company"], "title": _title_from(match["title"])}
        if match["year"]:
            fields.update(year=int(match["year"]), year_source="filename")
            if not MIN_REPORT_YEAR <= fields["year"] <= max_report_year():  # kept, so its ledger row has it
                return InboxFile(path=path, fingerprint=fingerprint, company_id=fields["company_id"],
                                 year=fields["year"], year_source="filename",
                                 problem=f"{path}: year {fields['year']} in the filename is outside the plausible "
                                         f"range {MIN_REPORT_YEAR}-{max_report_year()}")
    sidecar_path = next((p for p in _sidecar_candidates(path) if p.is_file()), None)
    if sidecar_path is not None:
        try:
            sidecar = _read_sidecar(sidecar_path)
        except ValueError as exc:
            return InboxFile(path=path, fingerprint=fingerprint, problem=str(exc))
        overrides = {"company_id": sidecar.company, "company_name": sidecar.company_name,
                     "title": sidecar.title, "format": sidecar.format}
        fields.update({key: value for key, value in overrides.items() if value})
        if sidecar.year is not None:
            fields.update(year=sidecar.year, year_source="sidecar")
        fmt = sidecar.format or fmt

    def result(problem: str | None = None) -> InboxFile:
        return InboxFile(path=path, fingerprint=fingerprint, format=fmt, problem=problem,
                         **{k: v for k, v in fields.items() if k != "format"})

    if fmt is None:
        return result(f"{path}: unsupported file type '{path.suffix}' "
                      f"(expected one of {', '.join(FORMATS)}, or set 'format' in a sidecar)")
    if not fields.get("company_id"):
        return result(f"{path}: company unknown: name the file <company>_<year>_<title>{path.suffix} "
                      f"or add a sidecar {path.name}.yaml")
    fields.setdefault("title", None)
    fields["title"] = fields["title"] or path.stem
    if "year" not in fields:
        try:
            year = infer_report_year(read_document(path, fmt, max_bytes=max_bytes).text)
        except DocumentError as exc:
            return result(f"cannot infer the report year: {exc}")
        if year is None:
            return result(f"{path}: report year not in the filename or a sidecar, and none found in the text")
        fields.update(year=year, year_source="text")
    return result()


def _title_from(raw: str | None) -> str | None:
    return " ".join(raw.replace("_", " ").split()) if raw else None


def _read_sidecar(path: Path) -> _Sidecar:
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: unreadable sidecar: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: sidecar must be a YAML mapping")
    try:
        return _Sidecar.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"field '{field}': {problem}" for field, problem in validation_problems(exc))
        raise ValueError(f"{path}: invalid sidecar: {problems}") from exc


def inbox_entries(files: Iterable[InboxFile], companies: Mapping[str, str] | None = None) -> list[CatalogEntry]:
    """Catalog entries for the ready files; `companies` (id -> name, e.g. from the catalog) fills names."""
    companies = companies or {}
    return [_entry(file, companies) for file in files
            if file.ready and file.company_id is not None and file.year is not None]


def _entry(file: InboxFile, companies: Mapping[str, str]) -> CatalogEntry:
    assert file.company_id is not None and file.year is not None
    return CatalogEntry(
        company_id=file.company_id,
        company_name=file.company_name or companies.get(file.company_id) or file.company_id,
        year=file.year, title=file.title or file.path.stem, source=str(file.path),
        resolved_source=str(file.path.resolve()), format=file.format)


def check_against_catalog(files: Iterable[InboxFile], catalog: CatalogLoad) -> list[InboxFile]:
    """The inbox validated like the catalog's entries. A file becomes a report only for one of the catalog's
    companies, for a company and year the catalog lists no report of, and as the first file (by name) to make
    its entry id; any other gets its one-line `problem`, so it is a failed ledger row, never a mart built on
    an unknown company or on duplicate keys."""
    listed = {(e.company_id, e.year): e.entry_id for e in catalog.entries}
    names = catalog.companies
    first: dict[str, Path] = {}
    checked = []
    for file in files:
        if file.ready and file.company_id is not None and file.year is not None:
            entry_id = _entry(file, names).entry_id
            if file.company_id not in names:
                file = replace(file, problem=f"{file.path}: unknown company '{file.company_id}' (not among the "
                                             f"companies of {catalog.path}; add it there)")
            elif (file.company_id, file.year) in listed:
                file = replace(file, problem=f"{file.path}: duplicate of catalog entry "
                                             f"{listed[file.company_id, file.year]} (the catalog lists a "
                                             f"{file.year} report of '{file.company_id}'; list this file there)")
            elif entry_id in first:
                file = replace(file, problem=f"{file.path}: duplicate entry {entry_id} (inbox file "
                                             f"{first[entry_id].name} makes it first)")
            else:
                first[entry_id] = file.path
        checked.append(file)
    return checked


# --- year inference ------------------------------------------------------------------

_YEAR = r"((?:19|20)\d\d)"
_REPORT_WORDS = r"(?:esg|sustainability|annual|environmental,? social and governance|csr|impact)?\s*report"
# (pattern, weight): phrases that name the reporting year outweigh a passing "in 2019".
_YEAR_PATTERNS = [
    (re.compile(rf"\b{_REPORT_WORDS}\s*(?:for\s+(?:the\s+)?(?:year\s+)?)?{_YEAR}\b", re.I), 3),
    (re.compile(rf"\b{_YEAR}\s+{_REPORT_WORDS}\b", re.I), 3),
    (re.compile(rf"\b(?:fy|financial year|fiscal year|reporting year|reporting period)\s*(?:of\s+|:\s*)?{_YEAR}\b",
                re.I), 3),
    (re.compile(rf"\byear ended\s+(?:\d{{1,2}}\s+\w+|\w+\s+\d{{1,2}},?)\s+{_YEAR}\b", re.I), 3),
    (re.compile(rf"\bas (?:of|at) (?:the end of |31 december |december 31,? )?{_YEAR}\b", re.I), 2),
    (re.compile(rf"\b(?:in|during|throughout)\s+{_YEAR}\b", re.I), 1),
    (re.compile(rf"{_YEAR}\s*年"), 1),
]


def infer_report_year(text: str) -> int | None:
    """The reporting year a report talks about: the best-supported plausible year in phrases like
    "ESG Report 2021", "In 2021", "as of the end of 2021"; ties go to the later year."""
    scores: Counter[int] = Counter()
    latest = max_report_year()
    for pattern, weight in _YEAR_PATTERNS:
        for match in pattern.finditer(text):
            year = int(match.group(1))
            if MIN_INFERRED_YEAR <= year <= latest:
                scores[year] += weight
    if not scores:
        return None
    return max(scores, key=lambda year: (scores[year], year))
