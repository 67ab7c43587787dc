/**
 * TIFF and BigTIFF (Adobe TIFF 6.0; BigTIFF as libtiff 4 writes it): 8/16/32/64-bit integers, 32/64-bit floats,
 * 1-bit bilevel, strips or tiles, uncompressed / LZW / Deflate / PackBits with predictor 2 or 3, every page a frame.
 *
 * Random access without reading the file: open walks the image file directories (IFDs) only, readFrame reads that
 * page's strips or tiles at their offsets. The IFD walk is our own small synchronous parser rather than the geotiff
 * package: FrameSource.readFrame is synchronous while geotiff's readRasters/loadValue are async only, and geotiff
 * decodes ASCII tags as UTF-8, which turns the Latin-1 'µm' of DigitalMicrograph tags into U+FFFD.
 *
 * Calibration follows HyperSpy's tiff plugin and states only what the file says (DigitalMicrograph tags, ImageJ,
 * JEOL SightX; plain XResolution/YResolution are kept as metadata): see calibration.ts.
 *
 * Modules: tags (tag numbers, field types) → ifd (header, IFD entries and values) → page (one page's geometry and
 * sample type) → strips (strip/tile tables, decoding a page) with codecs (LZW, Deflate, PackBits) and samples (byte
 * order, predictors, RGB → grey); imagej, jeol and calibration (axes from the metadata); source (the FrameSource).
 */
export { openTiff, sniffTiff } from './source';
