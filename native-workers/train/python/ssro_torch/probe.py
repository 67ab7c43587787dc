"""Reports what this Python offers the training engine as one JSON line on stdout:
{"event":"probe","python","executable","torch","torchvision","numpy","cuda","cudaDevices","mps"}.
Exit code 3 (and an error event) when torch, torchvision or NumPy cannot be imported."""
import json
import platform
import sys


def main():
    versions = {}
    for name in ('numpy', 'torch', 'torchvision'):
        try:
            module = __import__(name)
        except Exception as error:  # noqa: BLE001 - any import failure means "unusable"
            message = (f'{sys.executable} cannot import {name} ({type(error).__name__}: {error}); install PyTorch and '
                       f'torchvision (Debian: python3-torch python3-torchvision) or set the Python path to one that has them')
            print(json.dumps({'event': 'error', 'kind': 'missing', 'message': message}), flush=True)
            print(f'error: {message}', file=sys.stderr, flush=True)
            sys.exit(3)
        versions[name] = module.__version__
    import torch
    cuda = bool(torch.cuda.is_available())
    devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    mps_backend = getattr(torch.backends, 'mps', None)
    mps = bool(mps_backend is not None and mps_backend.is_available())
    print(json.dumps({'event': 'probe', 'python': platform.python_version(), 'executable': sys.executable,
                      'torch': versions['torch'], 'torchvision': versions['torchvision'], 'numpy': versions['numpy'],
                      'cuda': cuda, 'cudaVersion': torch.version.cuda, 'cudaDevices': devices, 'mps': mps,
                      'threads': torch.get_num_threads()}), flush=True)


if __name__ == '__main__':
    main()
