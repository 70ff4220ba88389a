"""How good a transcript is: word error rate against a reference, and key-phrase precision/recall."""

from dataclasses import dataclass

from core.spoken import normalize_words


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by word-level edit distance (can exceed 1)."""
    ref, hyp = normalize_words(reference).split(), normalize_words(hypothesis).split()
    if not ref:
        return float(bool(hyp))
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        current = [i]
        for j, heard in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard)))
        previous = current
    return previous[-1] / len(ref)


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(errors, reference words): for pooling WER over many calls (total errors / total words)."""
    words = len(normalize_words(reference).split())
    return round(word_error_rate(reference, hypothesis) * words), words


@dataclass
class PhraseScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def add(self, *, said: bool, found: bool) -> None:
        self.true_positives += said and found
        self.false_positives += found and not said
        self.false_negatives += said and not found

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        said = self.true_positives + self.false_negatives
        return self.true_positives / said if said else None
