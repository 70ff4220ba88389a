"""The generated accuracy test set: scripted calls spoken by `espeak-ng`, made into 8 kHz telephone audio with noise.

Each call is a two-channel recording like Twilio's `record-from-answer-dual` (channel 1 the caller, channel 2 the
business), the two voices taking turns with pauses. Its script is the reference transcript; `KEY_PHRASES` are the
phrases automation rules would look for — each call says some of them, so every phrase has positives and negatives
(precision and recall). Nothing is downloaded: espeak-ng is a Debian package (.ci/run installs it).
"""

import shutil
import subprocess
from array import array
from dataclasses import dataclass

from transcripts.audio import TELEPHONE_RATE, Audio, add_noise, read_wav, resample, scale_peak

KEY_PHRASES = ["financing", "appointment", "emergency", "estimate", "cancel", "insurance", "water heater", "price"]
# espeak-ng voices (variants sound different enough to be two people); speed in words per minute.
CALLER_VOICE = ("en-us+f2", 140)
BUSINESS_VOICE = ("en-us+m3", 150)
PAUSE_SECONDS = 0.6


@dataclass(frozen=True)
class ScriptedCall:
    name: str
    turns: list[tuple[str, str]]  # (speaker "caller"|"business", line)
    snr_db: float = 20.0

    @property
    def reference(self) -> str:
        return " ".join(line for _, line in self.turns)

    def says(self, phrase: str) -> bool:
        return f" {phrase} " in f" {normalize(self.reference)} "


def normalize(text: str) -> str:
    """Lower case, letters, digits and apostrophes only, single spaces: how transcripts and scripts are compared."""
    kept = "".join(c if c.isalnum() or c == "'" else " " for c in text.lower())
    return " ".join(kept.split())


CALLS = [
    ScriptedCall("furnace-financing", [
        ("business", "Thank you for calling Comfort Heating, how can I help you today?"),
        ("caller", "Hi, my furnace stopped working last night and I need someone to look at it."),
        ("business", "I am sorry to hear that. We can send a technician tomorrow morning."),
        ("caller", "Do you offer financing if I need a new one?"),
        ("business", "Yes, we offer financing with no interest for twelve months."),
        ("caller", "Great, please book the appointment for tomorrow."),
    ], snr_db=25),
    ScriptedCall("burst-pipe", [
        ("business", "Metro Plumbing, this is Sam speaking."),
        ("caller", "This is an emergency, a pipe burst in my basement and there is water everywhere."),
        ("business", "Turn off the main valve near the water meter. We will be there within the hour."),
        ("caller", "Thank you so much. How much will the visit cost?"),
        ("business", "The emergency visit is one hundred and fifty dollars."),
    ], snr_db=20),
    ScriptedCall("water-heater-estimate", [
        ("caller", "Hello, I would like an estimate for a new water heater."),
        ("business", "Sure, is your current water heater gas or electric?"),
        ("caller", "It is gas, about fifteen years old."),
        ("business", "We can come out on Thursday to give you a free estimate."),
        ("caller", "Thursday works for me, thank you."),
    ], snr_db=15),
    ScriptedCall("dentist-insurance", [
        ("business", "Good morning, Bright Smile Dental."),
        ("caller", "Hi, do you take my insurance? I have a plan through my work."),
        ("business", "We accept most plans. What is the name of your insurance company?"),
        ("caller", "It is Blue Cross. I also want to make an appointment for a cleaning."),
        ("business", "We have an opening next Monday at ten in the morning."),
    ], snr_db=20),
    ScriptedCall("cancel-order", [
        ("caller", "I need to cancel my order from last week."),
        ("business", "I can help with that. Can I have your order number please?"),
        ("caller", "It is four five seven two. I found a better price somewhere else."),
        ("business", "I understand. Your order is cancelled and the refund will take five days."),
    ], snr_db=18),
    ScriptedCall("roof-quote", [
        ("business", "Summit Roofing, how can we help?"),
        ("caller", "A storm damaged my roof and I want to know the price of a repair."),
        ("business", "We need to see the damage first. Is your home covered by insurance?"),
        ("caller", "Yes it is. When can you come?"),
        ("business", "We can be there on Friday afternoon."),
    ], snr_db=12),
    ScriptedCall("wrong-number", [
        ("caller", "Hello, is this the pizza place on Main Street?"),
        ("business", "No, this is an electrician. I think you have the wrong number."),
        ("caller", "Oh sorry about that, have a good day."),
    ], snr_db=22),
    ScriptedCall("ac-repair", [
        ("business", "Cool Air Services, Maria speaking."),
        ("caller", "My air conditioner is blowing warm air. Can you fix it today?"),
        ("business", "We have a technician free this afternoon between two and four."),
        ("caller", "Perfect. What is the price for the service call?"),
        ("business", "It is eighty nine dollars and we take that off the repair if you go ahead."),
        ("caller", "Okay, please book me in."),
    ], snr_db=16),
]


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(line: str, voice: tuple[str, int]) -> array:
    """One line spoken by espeak-ng → mono 8 kHz samples (band-limited from its 22 kHz output)."""
    name, speed = voice
    wav = subprocess.run(["espeak-ng", "-v", name, "-s", str(speed), "--stdout", line],
                         check=True, capture_output=True, timeout=60).stdout
    audio = read_wav(_fix_stream_header(wav))
    return resample(audio.channels[0], audio.rate, TELEPHONE_RATE, taps=6)


def _fix_stream_header(wav: bytes) -> bytes:
    """espeak-ng's --stdout WAV has unknown (0xFFFFFFFF) sizes: set them from the bytes it wrote."""
    fixed = bytearray(wav)
    fixed[4:8] = (len(wav) - 8).to_bytes(4, "little")
    data = wav.find(b"data")
    if data >= 0:
        fixed[data + 4:data + 8] = (len(wav) - data - 8).to_bytes(4, "little")
    return bytes(fixed)


def render(call: ScriptedCall, seed: int = 0) -> Audio:
    """The call as a two-channel 8 kHz recording: caller on channel 1, business on channel 2, noise on both."""
    caller, business = array("h"), array("h")
    pause = array("h", bytes(2 * int(PAUSE_SECONDS * TELEPHONE_RATE)))
    for speaker, line in call.turns:
        voice = CALLER_VOICE if speaker == "caller" else BUSINESS_VOICE
        speech = scale_peak(speak(line, voice), 0.6)
        silence = array("h", bytes(2 * len(speech)))
        caller += (speech if speaker == "caller" else silence) + pause
        business += (speech if speaker == "business" else silence) + pause
    # Noise at the call's signal-to-noise ratio, measured against the speech (not the silences) of each line.
    return Audio(TELEPHONE_RATE, [add_noise(caller, snr_db=call.snr_db, seed=seed * 2 + 1, speech_only_level=True),
                                  add_noise(business, snr_db=call.snr_db, seed=seed * 2 + 2, speech_only_level=True)])
