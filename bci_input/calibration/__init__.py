"""Clinician calibration: protocols, per-patient profiles and reports."""

from ._profile import (
    Profile,
    delete_profile,
    export_profile,
    import_profile,
    list_profiles,
    load_profile,
    profiles_dir,
    save_profile,
)
from ._protocol import (
    PARADIGM_SPECS,
    Cue,
    DataCheck,
    Epochs,
    ParadigmSpec,
    check_minimum_data,
    extract_epochs,
    get_spec,
    make_cue_plan,
    reject_artifacts,
)
from ._schema import PARADIGMS, SCHEMA_VERSION
from ._stats import chance_level, confusion_matrix, itr_bits_per_trial, wilson_interval

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
    "PARADIGMS",
    "SCHEMA_VERSION",
    # protocol
    "ParadigmSpec",
    "PARADIGM_SPECS",
    "get_spec",
    "Cue",
    "make_cue_plan",
    "Epochs",
    "extract_epochs",
    "reject_artifacts",
    "DataCheck",
    "check_minimum_data",
    # statistics
    "wilson_interval",
    "chance_level",
    "confusion_matrix",
    "itr_bits_per_trial",
]
