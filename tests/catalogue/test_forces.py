import pytest

from gapkit.catalogue.forces import load_forces, lookup, registry
from gapkit.core.errors import GapkitError


def test_registry_has_43_territorial_forces():
    forces = registry()
    territorial = forces[forces["kind"] == "territorial"]
    assert len(territorial) == 43
    assert territorial["pfa_code"].str.match(r"^(E23|W15)\d{6}$").all()
    assert {"btp", "civil-nuclear", "mod-police"} <= set(forces.loc[forces["kind"] == "non-territorial", "force_id"])


@pytest.mark.parametrize("alias", ["E23000010", "west yorkshire police", "WEST-YORKSHIRE", "West Yorkshire"])
def test_lookup_any_alias(alias):
    assert lookup(alias)["force_id"] == "west-yorkshire"


def test_city_of_london_kept_apart_from_met():
    assert lookup("E23000034")["force_id"] == "city-of-london"
    assert lookup("E23000001")["force_id"] == "metropolitan"


def test_unknown_force_suggests_nearest():
    with pytest.raises(GapkitError, match="did you mean West Yorkshire Police"):
        lookup("West Yorkshir Police")


def test_bad_forces_csv_names_line(tmp_path):
    path = tmp_path / "forces.csv"
    path.write_text("force_id,pfa_code,pfa_name,official_name,short_name,region,slug,kind,note\n"
                    "ok-force,,,Ok Force,Ok,,ok,fictional,\n"
                    "Bad Id,X1,,Bad,Bad,,bad,alien,\n")
    with pytest.raises(GapkitError) as err:
        load_forces(path)
    text = str(err.value)
    assert "line 3" in text and "force_id" in text and "kind" in text
