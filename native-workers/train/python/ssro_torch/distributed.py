"""Data-parallel training across processes (torchrun), and the same calls as no-ops in one process.

  torchrun --nproc_per_node N -m ssro_torch.train --config run.json       (= python3 -m torch.distributed.run …)

torchrun starts N copies of the program and tells each who it is through the environment (RANK, WORLD_SIZE,
LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). `setup()` reads that environment: without it (or with
WORLD_SIZE=1) it returns a one-process context whose calls do nothing, so a training loop written against this module
runs unchanged with `python3 -m …`. How a loop uses it (about fifteen lines):

    ctx = distributed.setup(device)                # after the device is chosen; ctx.device is this rank's device
    per_rank = ctx.per_rank_batch(cfg['batchSize'])  # batchSize stays the global batch (an N-GPU run = 1-GPU run)
    model = ctx.wrap(model.to(ctx.device))         # DDP when WORLD_SIZE > 1 (ctx.unwrap(model) for state_dict/export)
    for epoch …:
        order = ctx.shard(np.arange(len(train_samples)), epoch_generator(seed, epoch))
        loader = DataLoader(Subset(train_samples, order), batch_size=per_rank, shuffle=False)
        … loss.backward() (DDP averages the gradients over ranks) …; optimizer.step()
        loss_sum, seen = ctx.all_reduce_sum([loss_sum, seen])
        (validation: every rank evaluates ctx.unwrap(model) on the whole validation set, so the scheduler and the
         best-epoch rule see the same numbers everywhere; or rank 0 evaluates and ctx.broadcast_object shares them)
        if ctx.is_main(): write last.pt / best.pt / history.json and emit the epoch event
        ctx.barrier()
    if ctx.is_main(): export the ONNX model and emit 'done'
    ctx.teardown()

ssro_torch.train does not `wrap`: it shards each global batch itself (ssro_torch.data.BatchStream), scales each
rank's loss by its share of the global batch and calls `sum_gradients` after the backward pass, and
`average_batchnorm_statistics` after every epoch (its docstring says why). DistributedDataParallel weighs every rank
equally and needs a forward pass on every rank at every step, which the last, short batch of an epoch breaks (the
ranks get unequal rows, or none); the manual all-reduce is exact there, at the cost of not overlapping the gradient
communication with the backward pass. `wrap` stays for loops whose batches always split evenly.

Only rank 0 writes files or prints events: `setup()` points the other ranks' stdout at stderr, so even a stray event
from another rank cannot reach the JSON-lines stream a reader of stdout parses.

Equivalence with one process. Let B be the global batch (the config's batchSize), N the number of ranks, b = B / N.
`shard` cuts the epoch's global order — the same order a one-process DataLoader(shuffle=True, generator=g) visits,
from the same per-epoch generator — like torch.utils.data.DistributedSampler: rank r gets positions r, r + N, r + 2N …
of that order. So step k of rank r takes b samples whose union over ranks is exactly the k-th batch of B samples of
the one-process run. Each rank's loss is the mean over its b samples; DistributedDataParallel all-reduces the
gradients and divides by N, so every rank steps with mean_r(mean over b) = mean over the B samples, the one-process
gradient, and the optimizers (same initial weights, broadcast by DDP from rank 0) stay in lockstep. Per-sample
augmentation seeded by (seed, epoch, dataset index) does not depend on which rank draws the sample. The same holds for
the last, partial batch when the sample count n is a multiple of N (each rank then gets (n mod B) / N samples in it).
What differs:
  * n not a multiple of N: like DistributedSampler, the order is padded with its first samples so every rank has
    ceil(n / N); those few samples are seen twice per epoch (and the last batches differ from the one-process run);
  * BatchNorm (ResNet-18): each rank normalises with the statistics of its own b samples, not of all B, and the
    running statistics kept in the model are rank 0's (DDP broadcasts buffers from rank 0 before each forward).
    SyncBatchNorm would restore batch-B statistics, but in torch 1.13 it runs on CUDA only. Choice: `wrap` converts
    BatchNorm to SyncBatchNorm on CUDA (where multi-GPU runs happen; b may be as small as 8 there, and batch
    statistics of 8 samples are noisy) and keeps per-rank BatchNorm on CPU (gloo), where SyncBatchNorm cannot run;
    keep b ≥ 16 on CPU for statistics close to the one-process run. ssro_torch.train keeps per-rank BatchNorm on
    CUDA too and averages the running statistics instead (`average_batchnorm_statistics`);
  * floating point: the all-reduce sums N partial means where one process sums B terms, so weights agree to rounding
    (about 1e-7 relative per step in float32), not bit for bit; cuDNN kernels are not deterministic anyway.

Backends: nccl when the device is CUDA, gloo otherwise (CPU; also how the tests run two ranks on one machine).
Each rank on CUDA uses device cuda:LOCAL_RANK. On CPU, give each rank its share of the cores (`threads_per_rank`).
"""
import math
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

_ENV_KEYS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')


def _env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == '':
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f'environment variable {name} must be an integer (got {value!r}); '
                         f'start ranks with torchrun, which sets it') from None


def epoch_order(n, generator):
    """The order in which torch.utils.data.DataLoader(shuffle=True, generator=generator) visits n samples.

    `generator` is a torch.Generator (consumed as the DataLoader would consume it) or an int seed of a fresh one. The
    DataLoader's iterator first draws one int64 from the generator (its workers' base seed), then RandomSampler draws
    torch.randperm(n); both are reproduced here, so the one-process order is unchanged by going through `shard`.
    """
    if not isinstance(generator, torch.Generator):
        seed = int(generator)
        generator = torch.Generator()
        generator.manual_seed(seed)
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    return torch.randperm(n, generator=generator).numpy()


class Context:
    """Who this process is in a (possibly one-process) data-parallel run; see the module docstring."""

    def __init__(self, rank=0, world_size=1, local_rank=0, local_world_size=1, device=None, backend=None):
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank
        self.local_world_size = local_world_size
        self.device = device if device is not None else torch.device('cpu')
        self.backend = backend
        self._initialised = backend is not None

    @property
    def distributed(self):
        return self.world_size > 1

    def is_main(self):
        """True on rank 0, the one rank that writes outputs and prints events."""
        return self.rank == 0

    def describe(self):
        """For the 'device' event: where this run's ranks are."""
        return {'rank': self.rank, 'worldSize': self.world_size, 'localWorldSize': self.local_world_size,
                'backend': self.backend}

    def per_rank_batch(self, global_batch):
        """b = B / N; refuses a global batch the ranks cannot share equally (the gradients would then not be the
        one-process ones)."""
        if global_batch % self.world_size != 0:
            raise ValueError(f'batchSize {global_batch} is the global batch and must be a multiple of the '
                             f'{self.world_size} ranks (each takes batchSize / ranks samples per step)')
        return global_batch // self.world_size

    def threads_per_rank(self, cores):
        """This rank's share of `cores` CPU cores (at least one)."""
        return max(1, int(cores) // max(1, self.local_world_size))

    def shard(self, indices, epoch_seed, rank=None, world_size=None):
        """This rank's part of the epoch, in order: `indices` in the global order of `epoch_order` (epoch_seed: the
        per-epoch torch.Generator or its int seed; None keeps the given order, e.g. for evaluation), padded with
        its first items to a multiple of the world size and dealt out round-robin, as DistributedSampler does.
        `rank` and `world_size` override the context's (to compute another rank's part)."""
        rank = self.rank if rank is None else rank
        world = self.world_size if world_size is None else world_size
        if not 0 <= rank < world:
            raise ValueError(f'rank {rank} is outside 0 … {world - 1}')
        items = np.asarray(indices)
        if epoch_seed is not None:
            items = items[epoch_order(len(items), epoch_seed)]
        if world == 1 or len(items) == 0:
            return items
        total = math.ceil(len(items) / world) * world
        if total > len(items):
            reps = math.ceil((total - len(items)) / len(items))
            items = np.concatenate([items] + [items] * reps)[:total]
        return items[rank:total:world]

    def wrap(self, model):
        """DistributedDataParallel around `model` (already on self.device) when there are several ranks; BatchNorm
        becomes SyncBatchNorm on CUDA (see the module docstring for why not on CPU). One process: `model` itself."""
        if not self.distributed:
            return model
        from torch.nn.parallel import DistributedDataParallel
        if self.device.type == 'cuda':
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
            return DistributedDataParallel(model, device_ids=[self.device.index], output_device=self.device.index)
        return DistributedDataParallel(model)

    @staticmethod
    def unwrap(model):
        """The module inside DistributedDataParallel (for state_dict, evaluation and ONNX export)."""
        return getattr(model, 'module', model)

    def sum_gradients(self, parameters):
        """Replaces every gradient by its sum over the ranks, in one all-reduce of all of them (the caller scales
        each rank's loss so that the sum is the global batch's gradient; see ssro_torch.train). A rank without a
        gradient for a parameter (None: it had no rows this step) adds zeros; a parameter that no rank has a gradient
        for keeps None, so the optimizer skips it as it would in one process."""
        if not self.distributed:
            return
        params = [p for p in parameters if p.requires_grad]
        if not params:
            return
        device = self._comm_device()
        dtype = params[0].dtype
        have = torch.tensor([0.0 if p.grad is None else 1.0 for p in params], dtype=dtype, device=device)
        parts = [have] + [torch.zeros(p.numel(), dtype=dtype, device=device) if p.grad is None
                          else p.grad.detach().reshape(-1).to(device, dtype) for p in params]
        flat = torch.cat(parts)
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        offset = len(params)
        for k, p in enumerate(params):
            n = p.numel()
            if float(flat[k]) > 0:
                summed = flat[offset:offset + n].view(p.shape)
                if p.grad is None:
                    p.grad = torch.empty_like(p)  # keeps the parameter's memory format (channels-last)
                p.grad.copy_(summed)
            offset += n

    def average_batchnorm_statistics(self, module):
        """Sets the BatchNorm running means and variances of `module` to their mean over the ranks (the batch counts
        to rank 0's). Each rank's running statistics are exponential averages of its own shards' batch statistics,
        linear in them: from a common start, the mean over ranks after any number of steps is what one process would
        hold from the means of the shards' statistics, i.e. the global batches' means (for equal shards), whether
        averaged after every step or once at the end. The variance comes out as the mean of the shards' variances,
        slightly below the global batches' (it misses the spread between the shards' means)."""
        if not self.distributed:
            return
        from torch.nn.modules.batchnorm import _BatchNorm
        floats, counts = [], []
        for m in module.modules():
            if isinstance(m, _BatchNorm) and m.track_running_stats and m.running_mean is not None:
                floats += [m.running_mean, m.running_var]
                if m.num_batches_tracked is not None:
                    counts.append(m.num_batches_tracked)
        if floats:
            device = self._comm_device()
            flat = torch.cat([t.detach().reshape(-1).to(device, torch.float64) for t in floats])
            dist.all_reduce(flat, op=dist.ReduceOp.SUM)
            flat /= self.world_size
            offset = 0
            with torch.no_grad():
                for t in floats:
                    t.copy_(flat[offset:offset + t.numel()].view(t.shape))
                    offset += t.numel()
        if counts:
            box = torch.stack([t.detach().reshape(()) for t in counts]).to(self._comm_device())
            dist.broadcast(box, src=0)
            with torch.no_grad():
                for t, value in zip(counts, box.cpu()):
                    t.fill_(int(value))

    def all_reduce_sum(self, values):
        """The sum over ranks of a number, a list of numbers or a tensor (returned as the same kind)."""
        if not self.distributed:
            return values
        if isinstance(values, torch.Tensor):
            out = values.detach().clone().to(torch.float64 if values.is_floating_point() else values.dtype)
            out = out.to(self._comm_device())
            dist.all_reduce(out, op=dist.ReduceOp.SUM)
            return out.to(values.device, values.dtype)
        scalar = not isinstance(values, (list, tuple))
        tensor = torch.tensor([values] if scalar else list(values), dtype=torch.float64, device=self._comm_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        out = tensor.cpu().tolist()
        return out[0] if scalar else out

    def all_reduce_mean(self, values):
        """The mean over ranks (all_reduce_sum / world size)."""
        if not self.distributed:
            return values
        summed = self.all_reduce_sum(values)
        if isinstance(summed, torch.Tensor):
            return summed / self.world_size
        if isinstance(summed, list):
            return [v / self.world_size for v in summed]
        return summed / self.world_size

    def broadcast_object(self, value):
        """Rank 0's `value` on every rank (any picklable object)."""
        if not self.distributed:
            return value
        box = [value if self.is_main() else None]
        dist.broadcast_object_list(box, src=0, device=self._comm_device() if self.backend == 'nccl' else None)
        return box[0]

    def barrier(self):
        """Waits until every rank gets here."""
        if self.distributed:
            if self.backend == 'nccl':
                dist.barrier(device_ids=[self.device.index])
            else:
                dist.barrier()

    def teardown(self):
        """Leaves the process group (call once, at the end, on every rank)."""
        if self._initialised and dist.is_initialized():
            dist.destroy_process_group()
        self._initialised = False

    def _comm_device(self):
        # nccl reduces CUDA tensors only; gloo reduces CPU tensors.
        return self.device if self.backend == 'nccl' else torch.device('cpu')


_current = Context()


def launched_by_torchrun():
    """Whether this process was started by torchrun (or another launcher setting WORLD_SIZE > 1)."""
    return _env_int('WORLD_SIZE', 1) > 1


def setup(device=None, timeout_seconds=1800):
    """The context of this process: from torchrun's environment, with the process group initialised (nccl for a
    CUDA `device`, gloo otherwise), or a one-process context when WORLD_SIZE is absent or 1.

    `device` is the torch.device (or its name) the run chose; with several ranks on CUDA each rank takes
    cuda:LOCAL_RANK. Ranks other than 0 get stdout pointed at stderr (see the module docstring)."""
    global _current
    device = torch.device(device) if device is not None else torch.device('cpu')
    world = _env_int('WORLD_SIZE', 1)
    if world <= 1:
        _current = Context(device=device)
        return _current
    missing = [k for k in _ENV_KEYS if not os.environ.get(k)]
    if missing:
        raise ValueError(f'WORLD_SIZE is {world} but {", ".join(missing)} is not set; start the ranks with '
                         f'torchrun --nproc_per_node N -m ssro_torch.train --config run.json')
    rank = _env_int('RANK', 0)
    local_rank = _env_int('LOCAL_RANK', 0)
    local_world = _env_int('LOCAL_WORLD_SIZE', world)
    if device.type == 'cuda':
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f'LOCAL_RANK {local_rank} but this node has {torch.cuda.device_count()} CUDA devices; '
                             f'start at most that many processes per node (--nproc_per_node)')
        device = torch.device('cuda', local_rank)
        torch.cuda.set_device(device)
        backend = 'nccl'
    elif device.type == 'cpu':
        backend = 'gloo'
    else:
        raise ValueError(f'data-parallel training runs on CUDA (nccl) or CPU (gloo), not on {device.type}')
    import datetime
    dist.init_process_group(backend=backend, rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=timeout_seconds))
    _current = Context(rank, world, local_rank, local_world, device, backend)
    if rank != 0:
        # ssro_torch.events writes events to the stdout it saved at start: point that at /dev/null (the error text
        # still reaches stderr through events.log) and anything else printed at stderr.
        from . import events
        events._out = open(os.devnull, 'w', encoding='utf-8')  # noqa: SIM115 - lives as long as the process
        sys.stdout = sys.stderr
    return _current


def current():
    """The context `setup` made (a one-process context before that)."""
    return _current


# Module-level shorthands on the current context, so a loop can call distributed.is_main() etc. directly.
def is_main():
    return _current.is_main()


def shard(indices, epoch_seed, rank=None, world_size=None):
    return _current.shard(indices, epoch_seed, rank, world_size)


def wrap(model):
    return _current.wrap(model)


def unwrap(model):
    return Context.unwrap(model)


def all_reduce_sum(values):
    return _current.all_reduce_sum(values)


def all_reduce_mean(values):
    return _current.all_reduce_mean(values)


def broadcast_object(value):
    return _current.broadcast_object(value)


def barrier():
    _current.barrier()


def teardown():
    _current.teardown()
