"""Fuzzing every parser: whatever the input, the only failure allowed is PlanFormatError with a message."""

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missions.errors import PlanFormatError
from missions.formats import dump_geojson, dump_kml, load_geojson, load_kml, load_plan, load_wpl
from missions.formats.features import MapFeatures
from missions.values import Plan

FIXTURES = Path(__file__).parent / "fixtures"
FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            0,
            1,
            2,
            3,
            6,
            10,
            16,
            22,
            90.5,
            -180.5,
            1e308,
            "Plan",
            "SimpleItem",
            "ComplexItem",
            "survey",
            "border",
            "home",
            "keep_out",
            "area",
            "waypoint",
            "Feature",
            "FeatureCollection",
            "LineString",
            "Polygon",
            "Point",
        ]
    ),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6), st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=25,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _mutate(doc, path, value, delete):
    doc = copy.deepcopy(doc)
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def _check(loader, text):
    try:
        out = loader("fuzz.input", text=text)
    except PlanFormatError as exc:
        assert str(exc).startswith("fuzz.input")
        assert exc.problem
        return
    assert isinstance(out, Plan | MapFeatures)


def _mutations(base_doc):
    paths = list(_paths(base_doc))
    return st.tuples(st.sampled_from(paths), json_values, st.booleans()).map(lambda t: _mutate(base_doc, *t))


PLAN_DOCS = [
    json.loads((FIXTURES / n).read_text()) for n in ("qgc_mixed_frames.plan", "qgc_survey_corridor.plan")
]
GEOJSON_DOC = json.loads(
    (Path(__file__).parents[2] / "missions" / "data" / "sample_border.geojson").read_text()
)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), json_values.map(json.dumps)))
def test_plan_parser_random_input(data):
    _check(load_plan, data)


@FUZZ
@given(st.one_of(*[_mutations(d) for d in PLAN_DOCS]))
def test_plan_parser_mutated_qgc_files(doc):
    _check(load_plan, json.dumps(doc))


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), json_values.map(json.dumps)))
def test_geojson_parser_random_input(data):
    _check(load_geojson, data)


@FUZZ
@given(_mutations(GEOJSON_DOC))
def test_geojson_parser_mutated_files(doc):
    _check(load_geojson, json.dumps(doc))


wpl_token = st.one_of(
    st.sampled_from(["0", "1", "3", "16", "22", "nan", "inf", "-1", "1e400", "abc", "", "95", "-200", "2.5"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 70000).map(str),
)
wpl_line = st.lists(wpl_token, min_size=0, max_size=14).map("\t".join)


@FUZZ
@given(st.lists(wpl_line, max_size=6), st.booleans(), st.text(max_size=40))
def test_wpl_parser(lines, header, noise):
    text = ("QGC WPL 110\n" if header else noise + "\n") + "\n".join(lines)
    _check(load_wpl, text)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_wpl_parser_random_input(data):
    _check(load_wpl, data)


kml_coord = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(["-110.9", "31.3", "x", "", "1e999"]),
    ),
    min_size=1,
    max_size=4,
).map(",".join)
kml_geom = st.one_of(
    st.lists(kml_coord, max_size=5).map(
        lambda cs: f"<Point><coordinates>{' '.join(cs)}</coordinates></Point>"
    ),
    st.lists(kml_coord, max_size=5).map(
        lambda cs: f"<LineString><coordinates>{' '.join(cs)}</coordinates></LineString>"
    ),
    st.lists(kml_coord, max_size=6).map(
        lambda cs: (
            f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{' '.join(cs)}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        )
    ),
    st.just("<Polygon/>"),
)
kml_data = st.dictionaries(
    st.sampled_from(["role", "seq", "command", "frame", "params", "radius_m", "alt_amsl_m"]),
    st.one_of(
        st.sampled_from(
            ["border", "area", "keep_out", "home", "waypoint", "rally", "1", "16", "3", "0,0,0,nan", "x"]
        ),
        st.text(max_size=6),
    ),
    max_size=5,
)


@st.composite
def kml_docs(draw):
    marks = []
    for _ in range(draw(st.integers(0, 4))):
        data = draw(kml_data)
        ext = "".join(
            f'<Data name="{k}"><value>{v.replace("<", "").replace("&", "")}</value></Data>'
            for k, v in data.items()
        )
        marks.append(
            f"<Placemark><name>{draw(st.sampled_from(['home', 'border', 'no fly', 'x']))}</name><ExtendedData>{ext}</ExtendedData>{draw(kml_geom)}</Placemark>"
        )
    return f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{"".join(marks)}</Document></kml>'


@FUZZ
@given(kml_docs())
def test_kml_parser_structured(doc):
    _check(load_kml, doc)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    )
)
def test_kml_parser_random_input(data):
    _check(load_kml, data)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.binary(min_size=1, max_size=4))
def test_kml_parser_corrupted_output(position, junk):
    from tests.missions.test_formats import FIXTURES as F  # noqa: F401  (same fixtures)

    text = dump_kml(load_plan(FIXTURES / "qgc_survey_corridor.plan")).encode()
    pos = position % len(text)
    _check(load_kml, text[:pos] + junk + text[pos + len(junk) :])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000), st.binary(min_size=1, max_size=4))
def test_geojson_parser_corrupted_output(position, junk):
    text = dump_geojson(load_plan(FIXTURES / "qgc_survey_corridor.plan")).encode()
    pos = position % len(text)
    _check(load_geojson, text[:pos] + junk + text[pos + len(junk) :])
