// Which sample files calibration (and compare's --inputs) read as images or audio, by name. Kept free of imports so
// the extension host can ask the same question without bundling the decoders.
export const IMAGE_FILE = /\.(png|jpe?g)$/i;
export const WAV_FILE = /\.wav$/i;
