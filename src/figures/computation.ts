/**
 * What a figure computation (Fig. 1-3) takes and returns: the runner (src/experiments) hands it
 * a FigureInput per image and stores what it returns as FigureRecord.data.
 */
import type { NoiseLayout } from "../smoothing/noise.js";
import type { Classifier } from "../model/classifier.js";
import type { Random } from "../rng/random.js";

/** Figures whose data is computed by work items (Fig. 4-6 come from the other records). */
export type ComputedFigure = "fig1" | "fig2" | "fig3";
/** The name of a figure: fig1 to fig6. */
export type FigureName = ComputedFigure | "fig4" | "fig5" | "fig6";
/** Every figure a config may name in `figures.include` (Fig. 6: the adaptive attacker's trade-off, issue 12). */
export const FIGURE_NAMES: readonly FigureName[] = ["fig1", "fig2", "fig3", "fig4", "fig5", "fig6"];
/**
 * What `figures.include` means when a config does not give it: the paper's five figures. Fig. 6
 * is not among them so that configs written before it keep their validated form (and hash); it is
 * drawn whenever the records hold its data.
 */
export const DEFAULT_FIGURES: readonly FigureName[] = ["fig1", "fig2", "fig3", "fig4", "fig5"];

/**
 * What the runner hands a figure computation (Fig. 1-3) for one image: the base model f, the
 * image, the sigma of the chosen smoothed defense, the item's own random stream and the figure's
 * options from the config (`figures.options.fig1`, ...). The computation returns JSON-serialisable
 * data, stored as FigureRecord.data and rendered later from the records alone.
 */
export interface FigureInput {
  readonly base: Classifier;
  readonly image: Float32Array;
  readonly imageIndex: number;
  readonly label: number;
  readonly sigma: number;
  readonly random: Random;
  readonly batchSize: number;
  /** Noise layout of the figure's smoothed classifiers (config `noise`); absent: "per-point". */
  readonly noise?: NoiseLayout;
  readonly options: Readonly<Record<string, unknown>>;
}
/** A figure's computation: its input in, its data out. */
export type ComputeFigure = (input: FigureInput) => Promise<unknown>;

