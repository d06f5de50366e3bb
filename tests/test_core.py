import numpy as np
import pytest

from bci_input import Chunk, ConfigError, StreamInfo
from bci_input._bench_report import write_section
from bci_input.cli import main
from bci_input.settings import load_settings, settings_from_dict


def test_chunk_validates_layout_and_concatenates():
    a = Chunk(np.ones((3, 2)), np.arange(3.0), [(1.0, 5)])
    b = Chunk(np.zeros((2, 2)), np.arange(3.0, 5.0))
    c = Chunk.concatenate([a, b])
    assert c.data.dtype == np.float32 and c.data.shape == (5, 2)
    assert c.markers == ((1.0, 5),)
    with pytest.raises(ConfigError, match="shape"):
        Chunk(np.ones((3, 2)), np.arange(4.0))
    with pytest.raises(ConfigError, match="2-D"):
        Chunk(np.ones(3), np.arange(3.0))


def test_stream_info_rejects_unknown_channel_type():
    with pytest.raises(ConfigError, match="Allowed values are"):
        StreamInfo(("C3",), ("eggs",), 250.0)
    info = StreamInfo(("C3", "EMG1"), ("eeg", "emg"), 250.0)
    assert info.picks("emg") == [1]


def test_settings_load_validate_and_reject(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[acquisition]\nboard = "cyton"\nserial_port = "/dev/ttyUSB0"\n[speller]\nstopping_threshold = 0.8\n')
    s = load_settings(p)
    assert s.acquisition.board == "cyton" and s.speller.stopping_threshold == 0.8
    with pytest.raises(ConfigError, match="Allowed keys are"):
        settings_from_dict({"acquisition": {"bord": "x"}})
    with pytest.raises(ConfigError, match="Allowed sections are"):
        settings_from_dict({"acq": {}})
    with pytest.raises(ConfigError, match="must be an integer"):
        settings_from_dict({"acquisition": {"ip_port": "80"}})
    with pytest.raises(ConfigError, match="endpoint_url"):
        settings_from_dict({"language": {"backend": "http"}})
    p.write_text("[acquisition\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(p)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_bench_report_replaces_only_its_section(tmp_path):
    p = tmp_path / "B.md"
    write_section("a", "## A\n1\n", p)
    write_section("b", "## B\n2\n", p)
    write_section("a", "## A\n3\n", p)
    text = p.read_text()
    assert "## A\n3" in text and "## B\n2" in text and "## A\n1" not in text


def test_cli_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err
