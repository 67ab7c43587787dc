/** What the user picks a file for: the native dialog's title and filters, and the browser file input's `accept`. */
export const FILE_PURPOSES = ['structure', 'model', 'weights', 'microscopy'] as const;
/** What a file is picked for: the native dialog's title and filters (and the browser's `accept`) follow it. */
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** Dialog title and file-name extensions per purpose (shared by Electron's dialog and the browser's file input). */
export const FILE_PURPOSE_FILTERS: Readonly<Record<FilePurpose, { title: string; name: string; extensions: readonly string[] }>> = {
  structure: { title: 'Import a structure', name: 'Structures', extensions: ['data', 'lmp', 'dump', 'lammpstrj', 'xyz', 'extxyz', 'vasp', 'poscar'] },
  model: { title: 'Import a model', name: 'Models (ONNX, PyTorch)', extensions: ['onnx', 'pt', 'pth', 'pkl'] },
  weights: { title: 'Choose a PyTorch weights file', name: 'PyTorch state_dict', extensions: ['pt', 'pth', 'pkl'] },
  microscopy: {
    title: 'Open an NBED / 4D-STEM file',
    name: 'Diffraction data',
    extensions: ['dm3', 'dm4', 'mrc', 'mrcs', 'npy', 'h5', 'hdf5', 'emd', 'hspy', 'mib', 'xml', 'blo', 'tif', 'tiff', 'png'],
  },
};
