"""The JSON-lines protocol on stdout (one object per line, key ``event``), user-facing errors and exit codes.

Exit codes: 0 success; 1 unexpected failure (a bug or an environment problem; traceback on stderr); 2 refused input
(bad config, dataset or checkpoint; the message says what to change); 3 PyTorch or NumPy missing (probe);
143 cancelled by SIGTERM/SIGINT (training only; the last finished epoch is on disk and a rerun resumes from it).
Every failure also prints ``{"event": "error", "message": ..., "kind": ...}`` on stdout before exiting.
"""
import json
import math
import sys
import traceback

EXIT_FAILURE = 1
EXIT_REFUSED = 2
EXIT_NO_TORCH = 3
EXIT_CANCELLED = 143

_out = sys.stdout


class UserError(Exception):
    """An input the user (or the Node worker) can fix: the message says what is wrong and what to do."""


class Cancelled(Exception):
    """SIGTERM/SIGINT arrived; raised at a safe point (between batches)."""


def claim_stdout():
    """Keeps stdout for events only: anything else printed (library chatter, stray prints) goes to stderr."""
    global _out
    _out = sys.stdout
    sys.stdout = sys.stderr


def clean(value):
    """JSON-safe copy: NumPy/torch scalars become Python numbers, non-finite floats become null."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, 'item') and callable(value.item) and getattr(value, 'ndim', 0) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit(event, **fields):
    """Writes one event line and flushes, so the Node worker sees it at once."""
    record = {'event': event}
    record.update(fields)
    _out.write(json.dumps(clean(record), allow_nan=False) + '\n')
    _out.flush()


def log(message):
    """A human-readable line on stderr."""
    sys.stderr.write(str(message).rstrip('\n') + '\n')
    sys.stderr.flush()


def run_main(main):
    """Runs ``main()`` and maps failures to an error event and an exit code (see the module docstring)."""
    claim_stdout()
    try:
        main()
    except UserError as error:
        emit('error', message=str(error), kind='refused')
        log(f'error: {error}')
        sys.exit(EXIT_REFUSED)
    except Cancelled as error:
        emit('cancelled', message=str(error))
        log(f'cancelled: {error}')
        sys.exit(EXIT_CANCELLED)
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - the worker needs an event for every failure
        traceback.print_exc(file=sys.stderr)
        emit('error', message=f'{type(error).__name__}: {error}', kind='failure')
        sys.exit(EXIT_FAILURE)
