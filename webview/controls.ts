// The toolbar's @vscode-elements controls (Lit components). main.ts loads this module after the first frame: defining
// and rendering them is not needed to draw the graph, and graph.css keeps their place until they are defined.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
