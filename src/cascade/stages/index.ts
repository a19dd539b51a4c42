/** The stage library of the TypeScript reference path, by type name. */
import type { StageDef } from '../stage';
import { convert } from './convert';
import { background } from './background';
import { windowStage } from './window';
import { rfft, fft, complexPart } from './fft';
import { hilbert } from './hilbert';
import { kLinearize, dispersion } from './oct';
import { sosfilt, fir } from './filters';
import { nlms } from './nlms';
import { median } from './median';
import { temporalAverage } from './temporal';
import { blockMean, decimate, decimateLevel } from './decimate';
import { crop, flip, transpose } from './geometry';
import { windowLevel } from './level';
import { stats } from './stats';

const ALL = [
  convert, background, windowStage, rfft, fft, complexPart, hilbert, kLinearize, dispersion, sosfilt, fir, nlms,
  median, temporalAverage, blockMean, decimate, decimateLevel, crop, flip, transpose, windowLevel, stats,
] as unknown as StageDef[];

export const STAGES: Readonly<Record<string, StageDef>> = Object.fromEntries(ALL.map((s) => [s.type, s]));
export const STAGE_TYPES: readonly string[] = ALL.map((s) => s.type);
