"""Build the session behind the app: the signal source, the simulated participant, the engine, the LLM.

The app owns no decoding logic: this module only picks and wires the core's objects (the same ones the
headless closed-loop simulation uses).

Boards:

- ``simulated``: a :class:`~bci_input.simulation.SimulatedParticipant` alone (every paradigm; its P300
  decoder and EMG switches are calibrated on a twin participant with the same seed, faster than real time).
- ``synthetic``: the participant rides on BrainFlow's synthetic board (BrainFlow runs end to end); SSVEP with
  training-free FBCCA.
- any other BrainFlow board, ``playback`` or ``lsl``: :func:`bci_input.hardware.open_source`; the decoder
  comes from the profile's calibration (SSVEP falls back to training-free FBCCA), with the stopping threshold
  and window it recommends; the profile's calibrated EMG/blink switches (EMG first) drive undo, pause and
  scanning, which is refused without one.
- ``none``: no signal; the keyboard previews the stimulus and developer clicks select directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bci_input._errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["build_engine_factory", "language_loader", "lsl_label", "SIMULATED_BOARDS"]

SIMULATED_BOARDS = ("simulated", "synthetic")


def language_loader(settings: Any, lm: str | None) -> tuple[Callable[[], Any], str, bool]:
    """Return ``(loader, name, immediate)`` for the language model the app should use.

    ``lm`` overrides the settings: ``bundled`` (the bundled model on this computer, whatever the settings'
    backend; loaded on a worker thread), ``wordfreq`` (fast, loaded at once) or ``none``. Without ``lm`` the
    settings' backend is used (``local``: the bundled model or ``language.model``; ``http``: the endpoint).
    """
    import dataclasses

    from bci_input.language import WordFreqModel, lm_choice
    from bci_input.language._factory import short_name

    choice = lm_choice(lm, settings.language.backend)
    if choice == "none":
        return (lambda: None), "none", True
    if choice == "wordfreq":
        return WordFreqModel, "wordfreq", True
    lang = settings.language
    if lm in ("bundled", "light"):
        lang = dataclasses.replace(lang, backend="local", model="" if lm == "bundled" else "light")
    if lang.backend == "local":
        from bci_input.language._loader import require_fetched

        require_fetched(lang.model)  # refuse at start, with the fetch command, rather than after a window opened
    name = "http" if lang.backend == "http" else short_name(lang.model)
    if lang.threads == 0:
        import os

        # Leave one core to the GUI thread: the flicker's frame deadlines matter more than LLM latency.
        lang = dataclasses.replace(lang, threads=max(1, (os.cpu_count() or 2) - 1))
    from bci_input.language import ProcessLanguageModel

    # The model runs in its own (lower-priority) process: its Python work cannot delay a flicker frame.
    return (lambda: ProcessLanguageModel(lang)), name, False


def _engine_config(settings: Any) -> Any:
    from bci_input.engine import EngineConfig

    # The pause after a selection is the dwell the person sees, and never shorter than 0.3 s.
    return EngineConfig.from_settings(settings.speller, gaze_s=max(0.3, settings.speller.dwell_s))


def _processors(settings: Any, paradigm: str, sfreq: float, prof: Any = None) -> list[Any]:
    """Return the live chain: a notch at ``acquisition.line_freq``, then the band the profile was calibrated on."""
    from bci_input.stream import live_processors

    return live_processors(paradigm, sfreq, settings.acquisition.line_freq, band=_profile_band(prof, paradigm))


def _profile_band(prof: Any, paradigm: str) -> tuple[float | None, float | None] | None:
    """Return the ``(l_freq, h_freq)`` the profile's ``paradigm`` calibration filtered with (None: the default)."""
    if prof is None or paradigm not in prof.paradigms:
        return None
    spec = prof.paradigm(paradigm).get("settings", {})
    if "l_freq" not in spec or "h_freq" not in spec:
        return None
    return spec["l_freq"], spec["h_freq"]


class _DeveloperCallbacks:
    """Engine callbacks for a simulated session: the participant sees every stimulus, then the UI does.

    In scanning, the simulated participant presses its switch when the group holding the target it attends is
    highlighted (two-switch: switch 0 steps past the others), like a user would.
    """

    def __init__(self, bridge: Any, participant: Any, switch_preset: str) -> None:
        self.bridge = bridge
        self.participant = participant
        self.switch_preset = switch_preset
        self.engine: Any = None

    def on_stimulus(self, event: dict[str, Any]) -> None:
        part = self.participant
        part.on_stimulus(event)
        if event.get("type") == "highlight" and part.attended is not None:
            hit = part.attended in event.get("targets", ())
            if hit:
                part.press("clench", 1 if self.switch_preset == "two-switch" else 0, delay_s=0.3)
            elif self.switch_preset == "two-switch":
                part.press("clench", 0, delay_s=0.3)
        self.bridge.on_stimulus(event)

    def on_intent(self, intent: Any) -> None:
        payload = intent.payload
        if not (isinstance(payload, tuple | list) and len(payload) > 1):  # a scan group: keep going down
            self.participant.attend(None)  # the selection is made: the participant waits for the next click
            if self.engine is not None:
                self.engine.pause()  # (engine thread) no decisions while nobody attends; a click resumes
        self.bridge.on_intent(intent)


def build_engine_factory(settings: Any, board: str, paradigm: str, profile: str) -> tuple[Any, Any, str]:
    """Return ``(engine_factory | None, participant | None, board label)``.

    ``engine_factory(bridge)`` builds the :class:`~bci_input.engine.Engine` with the bridge's callbacks.
    Decoder calibration of the simulated participant happens inside the factory.
    """
    if board == "none":
        return None, None, "no device"
    from bci_input.engine import Engine, EngineCallbacks

    cfg = _engine_config(settings)
    if board in SIMULATED_BOARDS:
        from bci_input.simulation import SimulatedParticipant

        base = None
        if board == "synthetic":
            from bci_input.hardware import open_source

            base = open_source(settings.acquisition, board="synthetic")
            if paradigm != "ssvep":
                raise ConfigError(
                    f"The {paradigm} mode on the synthetic board needs a calibrated decoder. Use --board simulated "
                    "(it calibrates its own), or --mode ssvep, or calibrate a profile with 'bci-input calibrate'.")
        participant = SimulatedParticipant(realtime=True, seed=0, base=base)
        label = "synthetic + simulated" if base is not None else "simulated"

        def factory(bridge: Any) -> Any:
            from bci_input.simulation._calib_sim import calibrate_idle, calibrate_p300, calibrate_switches

            twin = SimulatedParticipant(realtime=False, seed=0) if base is None else None
            decoder, switches, idle = None, [], None
            if twin is not None:
                twin.start()
                if paradigm == "p300":
                    decoder = calibrate_p300(twin, cfg, line_freq=settings.acquisition.line_freq)
                    idle = calibrate_idle(twin, paradigm, decoder, cfg, line_freq=settings.acquisition.line_freq)
                switches = calibrate_switches(twin)
                twin.stop()
            cb = _DeveloperCallbacks(bridge, participant, cfg.switch_preset)
            callbacks = EngineCallbacks(cb.on_intent, cb.on_stimulus, bridge.on_status, bridge.on_error)
            engine = Engine(participant, decoder, paradigm, callbacks, config=cfg,
                            processors=_processors(settings, paradigm, participant.sfreq), switches=switches,
                            eeg_picks=participant.eeg_picks, idle=idle)
            cb.engine = engine
            engine.pause()  # developer mode: decide only while the participant attends a clicked target
            return engine

        return factory, participant, label

    from bci_input.hardware import open_source

    source = open_source(settings.acquisition)
    prof = _load_profile(profile, source.info)
    decoder, idle = None, None
    if paradigm != "scan":
        decoder = _profile_decoder(prof, profile, paradigm)
        cfg = _profile_engine_config(cfg, prof, paradigm)
        idle = _profile_idle(prof, paradigm, decoder)
    switches = _profile_switches(prof) if prof is not None else []
    if paradigm == "scan":
        _check_scan_switches(switches, profile, cfg.switch_preset)

    def hw_factory(bridge: Any) -> Any:
        callbacks = EngineCallbacks(bridge.on_intent, bridge.on_stimulus, bridge.on_status, bridge.on_error)
        for sw in switches:  # a rebuilt session must not inherit a burst in progress from the last engine
            sw.reset()
        return Engine(source, decoder, paradigm, callbacks, config=cfg,
                      processors=_processors(settings, paradigm, source.info.sfreq, prof), switches=switches,
                      idle=idle)

    return hw_factory, None, board + lsl_label(settings.acquisition)


def lsl_label(acquisition: Any) -> str:
    """Return what the status bar adds to the board name when the session publishes on LSL ('' if it does not).

    The local network is named, so the people in the room see that the signals can be received elsewhere.
    """
    if not acquisition.lsl_outlet:
        return ""
    if acquisition.lsl_scope == "network":
        return " · LSL: published to the local network"
    return " · LSL: this computer only"


#: Switch paradigms loaded from a profile, in engine order: the EMG switch is switch 0 (one-switch scanning
#: selects with it; two-switch scanning steps with switch 0 and selects with switch 1).
_SWITCH_PARADIGMS = ("emg", "blink")


def _load_profile(profile: str, info: Any) -> Any:
    """Return the saved profile ``profile`` checked against the source's channels, or None if there is none.

    Raises
    ------
    ConfigError
        If the profile is corrupt or was calibrated on another montage or sampling rate (it would decode
        garbage: it is refused, never silently ignored).
    """
    from bci_input._errors import ProfileError
    from bci_input.calibration import load_profile, profiles_dir

    if not (profiles_dir() / profile).is_dir():
        return None
    try:
        prof = load_profile(profile)
        prof.check_channels(info)
    except ProfileError as exc:
        raise ConfigError(str(exc)) from None
    return prof


def _profile_decoder(prof: Any, profile: str, paradigm: str) -> Any:
    """Return the profile's SSVEP/P300 decoder; None for SSVEP without one (training-free FBCCA)."""
    from bci_input._errors import ProfileError
    from bci_input.calibration import load_profile

    try:
        return (prof if prof is not None else load_profile(profile)).decoder(paradigm)
    except ProfileError as exc:
        if paradigm != "ssvep":
            raise ConfigError(f"The {paradigm} mode needs a calibrated profile: {exc} "
                              "Calibrate with 'bci-input calibrate' and pass --profile NAME.") from None
        log.info("no calibrated SSVEP decoder in profile %r (%s); using training-free FBCCA", profile, exc)
    return None


def _profile_idle(prof: Any, paradigm: str, decoder: Any) -> Any:
    """Return the profile's no-control detector for ``paradigm`` (None without one, or without its decoder)."""
    from bci_input._errors import ProfileError

    if prof is None or decoder is None:
        return None
    try:
        idle = prof.idle_detector(paradigm)
    except ProfileError as exc:
        raise ConfigError(str(exc)) from None
    log.info("profile %r: %s idle detector %s", prof.name, paradigm,
             "none (posterior threshold only)" if idle is None else f"at operating point {idle.operating_point:g}")
    return idle


def _profile_engine_config(cfg: Any, prof: Any, paradigm: str) -> Any:
    """Apply the stopping threshold and window (or repetitions) the profile's calibration recommends."""
    import dataclasses

    from bci_input.calibration import engine_settings

    if prof is None or paradigm not in prof.paradigms:
        return cfg
    rec = engine_settings(prof, paradigm)
    if not rec:
        return cfg
    log.info("profile %r: applying the %s calibration's recommendations %s", prof.name, paradigm,
             ", ".join(f"{k}={v:g}" for k, v in rec.items()))
    return dataclasses.replace(cfg, **rec)


def _profile_switches(prof: Any) -> list[Any]:
    """Return the profile's calibrated switches (EMG first, then blink), ready for ``Engine(switches=...)``.

    A calibrated EMG/blink profile entry stores the calibrated :class:`~bci_input.decoding.EmgSwitch` /
    ``BlinkSwitch`` itself (threshold and channel columns included), loaded without pickle.
    """
    from bci_input._errors import ProfileError

    out, names = [], []
    for p in _SWITCH_PARADIGMS:
        if p not in prof.paradigms:
            continue
        try:
            sw = prof.decoder(p)
        except ProfileError as exc:
            log.warning("profile %r: the %s switch is not usable (%s); it is left out", prof.name, p, exc)
            continue
        if not callable(getattr(sw, "process", None)):
            log.warning("profile %r: the stored %s model (%s) is not a switch; it is left out", prof.name, p,
                        type(sw).__name__)
            continue
        out.append(sw)
        on = getattr(sw, "threshold", None) or getattr(sw, "threshold_", None)
        names.append(p if on is None else f"{p} (threshold {float(on):.3g})")
    log.info("profile %r: switches loaded: %s", prof.name, ", ".join(names) or "none")
    return out


def _check_scan_switches(switches: list[Any], profile: str, preset: str) -> None:
    """Refuse scanning on a headset that no calibrated switch can select with."""
    if not switches:
        raise ConfigError(
            f"Scan mode on a headset needs a calibrated switch, and profile {profile!r} has none: run "
            f"'bci-input calibrate --paradigm emg --profile {profile}' (or --paradigm blink), then start the app "
            f"with --profile {profile}.")
    if preset == "two-switch" and len(switches) < 2:
        raise ConfigError(
            f"Two-switch scanning needs two calibrated switches (EMG and blink), and profile {profile!r} has one: "
            f"run 'bci-input calibrate --paradigm blink --profile {profile}' (or --paradigm emg), or choose "
            "one-switch scanning.")
