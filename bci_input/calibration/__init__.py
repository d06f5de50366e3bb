"""Clinician calibration: protocols, per-patient profiles and reports."""

from ._archive import export_profile, import_profile
from ._epochs import CalibrationEpochs, DataCheck, check_minimum_data, extract_epochs, reject_artifacts
from ._from_recording import load_calibration_recording
from ._preferences import (
    load_profile_settings,
    profile_settings_path,
    resolve_settings,
    save_profile_settings,
    with_profile_settings,
)
from ._profile import Profile
from ._profile_io import (
    delete_profile,
    list_profiles,
    load_profile,
    profiles_dir,
    recordings_dir,
    save_profile,
)
from ._protocol import (
    PARADIGM_SPECS,
    Cue,
    ParadigmSpec,
    check_live_stimuli,
    get_spec,
    jfpm_codes,
    live_spec,
    make_cue_plan,
)
from ._report import SECTIONS, build_report, html_to_pdf
from ._schema import CALIBRATION_PARADIGMS, SCHEMA_VERSION
from ._session import CalibrationRecording, CalibrationSession, SessionCallbacks
from ._simulate import participant_cue_handler
from ._stats import chance_level, confusion_matrix, itr_bits_per_trial, wilson_interval
from ._train import METHODS, CalibrationResult, train_calibration
from ._workflow import engine_settings, open_or_create_profile, previous_epochs, store_result

__all__ = [
    # profiles
    "Profile",
    "save_profile",
    "load_profile",
    "list_profiles",
    "delete_profile",
    "export_profile",
    "import_profile",
    "profiles_dir",
    "recordings_dir",
    "CALIBRATION_PARADIGMS",
    "SCHEMA_VERSION",
    # a person's settings
    "resolve_settings",
    "profile_settings_path",
    "load_profile_settings",
    "save_profile_settings",
    "with_profile_settings",
    # protocol
    "ParadigmSpec",
    "PARADIGM_SPECS",
    "get_spec",
    "live_spec",
    "Cue",
    "make_cue_plan",
    "CalibrationEpochs",
    "extract_epochs",
    "reject_artifacts",
    "DataCheck",
    "check_minimum_data",
    "check_live_stimuli",
    "jfpm_codes",
    # sessions and training
    "CalibrationSession",
    "SessionCallbacks",
    "CalibrationRecording",
    "participant_cue_handler",
    "CalibrationResult",
    "train_calibration",
    "METHODS",
    "load_calibration_recording",
    "store_result",
    "previous_epochs",
    "open_or_create_profile",
    "engine_settings",
    # report
    "build_report",
    "html_to_pdf",
    "SECTIONS",
    # statistics
    "wilson_interval",
    "chance_level",
    "confusion_matrix",
    "itr_bits_per_trial",
]
