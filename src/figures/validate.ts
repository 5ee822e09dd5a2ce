/** Argument checks of the figure computations, in the one checking vocabulary (src/stats/validate.ts). */
import { check, integerAtLeast, OPEN_UNIT } from "../stats/validate.js";

export function checkPositive(name: string, value: number): number {
  return check(name, value, { min: 0, openMin: true, max: Number.MAX_VALUE });
}

export function checkInteger(name: string, value: number, min: number): number {
  return check(name, value, integerAtLeast(min));
}

export function checkLevel(name: string, value: number): number {
  return check(name, value, OPEN_UNIT);
}

export function checkImage(image: Float32Array, size: number): void {
  if (image.length !== size) throw new RangeError(`image has ${image.length} values, expected ${size}`);
}
