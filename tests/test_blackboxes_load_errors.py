"""``syne_mohb.blackboxes.load`` on broken folders: the error names the file or folder and says
what to do (issue 17, item 15)."""
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from syne_mohb.blackboxes import BlackboxFolderError, load, metadata
from syne_mohb.blackboxes.repository import DATA_DIR, REQUIRED_FILES


@pytest.fixture()
def folder(tmp_path):
    """A copy of the shipped ``linear`` benchmark (the required files only)."""
    out = tmp_path / "linear-copy"
    out.mkdir()
    for f in REQUIRED_FILES:
        shutil.copy(DATA_DIR / "linear" / f, out / f)
    return out


def test_copy_loads(folder):
    bbs = load(str(folder))
    assert list(bbs) == metadata(str(folder))["task_names"]


def test_truncated_parquet_names_the_file(folder):
    f = folder / "hyperparameters.parquet"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(BlackboxFolderError) as err:
        load(str(folder))
    msg = str(err.value)
    assert str(f) in msg and "truncated" in msg
    assert "Errno" not in msg
    assert "write the folder again" in msg


def test_parquet_overwritten_in_the_middle_names_the_file(folder):
    f = folder / "hyperparameters.parquet"
    data = bytearray(f.read_bytes())
    mid = len(data) // 3
    data[mid: mid + 64] = b"\xff" * 64  # header and footer intact, pages garbled
    f.write_bytes(bytes(data))
    with pytest.raises(BlackboxFolderError, match=re.escape(str(f))):
        load(str(folder))


def test_parquet_with_fewer_configurations_than_the_evaluations(folder):
    f = folder / "hyperparameters.parquet"
    df = pd.read_parquet(f, engine="fastparquet")
    df.iloc[:10].to_parquet(f, engine="fastparquet", compression="gzip")
    with pytest.raises(BlackboxFolderError, match=r"10 configurations.*648"):
        load(str(folder))


def test_empty_folder_says_it_is_not_a_blackbox_folder(tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    for call in (load, metadata):
        with pytest.raises(BlackboxFolderError) as err:
            call(str(empty))
        msg = str(err.value)
        assert str(empty) in msg and "not a blackbox folder" in msg
        assert "linear" in msg  # the shipped names to use instead
        assert "empty sequence" not in msg


def test_folder_missing_one_file_lists_it(folder):
    (folder / "fidelityspace.json").unlink()
    with pytest.raises(BlackboxFolderError, match=r"incomplete: missing \['fidelityspace.json'\]"):
        load(str(folder))


def test_repaired_folder_loads_again(folder):
    """The cache is keyed by modification time: a folder fixed after an error loads."""
    f = folder / "fidelities_values.npy"
    good = f.read_bytes()
    f.write_bytes(good[:20])
    with pytest.raises(BlackboxFolderError, match="fidelities_values.npy"):
        load(str(folder))
    f.write_bytes(good)
    assert np.asarray(load(str(folder))["digits"].fidelity_values).size > 0


def test_a_name_that_is_not_a_string_is_named():
    from syne_mohb import blackboxes

    with pytest.raises(ValueError, match=r"a blackbox is a shipped name \(cnn, .*got 3"):
        blackboxes.load(3)  # was pathlib's TypeError
