/**
 * Puts one AtomFrame into an NGL Stage as raw GPU buffers (NGL's Shape/Buffer API) and keeps it adjustable:
 * representation, atom size, cell outline. Why buffers and not an mmCIF text through NGL's parser: the parser builds
 * residues, chains and atom stores for chemistry a metallic glass does not have. Measured in Chromium at 10⁵ atoms:
 * mmCIF text + parse + spacefill ≈ 0.8 s of JavaScript and a slower spacefill frame afterwards; SphereBuffer from the
 * Float32Array positions as they arrive ≈ 0.1 s (points ≈ 0.03 s). Picking goes through a small picker of our own
 * that maps NGL's picking id straight to the atom index.
 *
 * Colours (element or a label property) are replaced in place with Buffer.setAttributes, positions untouched. A slab
 * (only atoms between two planes drawn) rebuilds the buffers from the subset of atoms inside: NGL buffers have a
 * fixed size, and a subset draws faster than hiding atoms would.
 */
import {
  CylinderBuffer,
  Matrix4,
  PointBuffer,
  Quaternion,
  Shape,
  SphereBuffer,
  Vector3,
  type Component,
  type ShapeComponent,
  type Stage,
} from 'ngl';
import type { AtomFrame, Cell, Vec3 } from '../../../main/shared/domain';
import { elementStyles, type ElementStyle } from './element-style';
import { findNeighbourSticks } from './neighbour-sticks';

export type Representation = 'spacefill' | 'ball+stick' | 'points';

/** Above this many atoms ball+stick is refused: ~6.5 sticks per atom in a metallic glass outgrow GPU memory. */
export const BALL_STICK_MAX_ATOMS = 60_000;
/** Above this many atoms the first view is points, not spacefill (impostor spheres cost 4 vertices per atom). */
export const SPACEFILL_DEFAULT_MAX_ATOMS = 300_000;
/** The same without a GPU: a CPU rasteriser takes ~2 s per spacefill frame at 10⁵ atoms, ~0.5 s as points. */
export const SPACEFILL_DEFAULT_MAX_ATOMS_SOFTWARE = 50_000;
/** Stick radius in Å; the atom-size slider changes the balls only. */
const STICK_RADIUS_A = 0.22;

/** The starting value of the atom-size slider per representation (fraction of the display radius). */
export const DEFAULT_ATOM_SCALE: Readonly<Record<Representation, number>> = {
  spacefill: 1,
  'ball+stick': 0.4,
  points: 0.8,
};

export interface PickedAtom {
  index: number;
  element: string;
  position: Vec3;
}

export type ViewAxis = 'x' | 'y' | 'z' | 'default';

/** Only atoms with lowA ≤ coordinate ≤ highA along `axis` are drawn. */
export interface AtomSlab {
  axis: 0 | 1 | 2;
  lowA: number;
  highA: number;
}

/**
 * Duck-typed NGL Picker: NGL's picking id of our buffers is the index into the drawn atoms, which is the atom index
 * unless a slab draws a subset.
 */
class AtomFramePicker {
  readonly array = undefined;
  subset: Uint32Array | null = null;
  constructor(private readonly positions: Float32Array) {}
  atomIndex(pid: number): number {
    return this.subset ? (this.subset[pid] ?? -1) : pid;
  }
  get type(): string {
    return 'ssro-atom';
  }
  get data(): object {
    return {};
  }
  getIndex(pid: number): number {
    return this.atomIndex(pid);
  }
  getObject(pid: number): { index: number } {
    return { index: this.atomIndex(pid) };
  }
  _applyTransformations(vector: Vector3): Vector3 {
    return vector;
  }
  _getPosition(pid: number): Vector3 {
    const p = this.positions;
    const i = this.atomIndex(pid);
    return new Vector3(p[3 * i] ?? 0, p[3 * i + 1] ?? 0, p[3 * i + 2] ?? 0);
  }
  getPosition(pid: number): Vector3 {
    return this._getPosition(pid);
  }
}

export class AtomScene {
  readonly styles: ElementStyle[];
  readonly counts: number[];
  /** Element colours, per atom. */
  private readonly elementColors: Float32Array;
  /** The colours drawn, per atom (element colours or a label property's). */
  private colors: Float32Array;
  private readonly picker: AtomFramePicker;
  /** Indices of the atoms drawn (inside the slab), or null for all. */
  private subset: Uint32Array | null = null;
  private atomScale = 1;
  private atomComponent: Component | null = null;
  private cellComponent: Component | null = null;
  private sphereBuffer: InstanceType<typeof SphereBuffer> | null = null;
  private pointBuffer: PointBuffer | null = null;
  private stickBuffer: InstanceType<typeof CylinderBuffer> | null = null;
  private sticks: Uint32Array | null = null;
  private representation: Representation | null = null;

  constructor(
    private readonly stage: Stage,
    readonly frame: AtomFrame,
  ) {
    this.styles = elementStyles(frame.elements);
    this.counts = frame.elements.map(() => 0);
    this.elementColors = new Float32Array(frame.count * 3);
    this.colors = this.elementColors;
    const rgb = this.styles.map(({ colorHex }) => [((colorHex >> 16) & 255) / 255, ((colorHex >> 8) & 255) / 255, (colorHex & 255) / 255]);
    for (let i = 0; i < frame.count; i++) {
      const s = frame.speciesIndex[i] ?? 0;
      this.counts[s] = (this.counts[s] ?? 0) + 1;
      const c = rgb[s] ?? [1, 0.08, 0.58];
      this.elementColors[3 * i] = c[0] ?? 0;
      this.elementColors[3 * i + 1] = c[1] ?? 0;
      this.elementColors[3 * i + 2] = c[2] ?? 0;
    }
    this.picker = new AtomFramePicker(frame.positions);
  }

  /** Is this NGL picker ours (an atom of this scene) rather than the cell outline or nothing? */
  owns(picker: unknown): boolean {
    return picker === this.picker;
  }

  /** The atom index behind NGL's picking id of our buffers. */
  pickedAtomIndex(pid: number): number {
    return this.picker.atomIndex(pid);
  }

  atom(index: number): PickedAtom | null {
    if (index < 0 || index >= this.frame.count) return null;
    const p = this.frame.positions;
    return {
      index,
      element: this.frame.elements[this.frame.speciesIndex[index] ?? 0] ?? '?',
      position: [p[3 * index] ?? 0, p[3 * index + 1] ?? 0, p[3 * index + 2] ?? 0],
    };
  }

  setRepresentation(representation: Representation, atomScale: number): void {
    if (representation === 'ball+stick' && this.frame.count > BALL_STICK_MAX_ATOMS) representation = 'points';
    this.removeAtoms();
    this.atomScale = atomScale;
    const shape = new Shape('atoms');
    const { count } = this.frame;
    this.picker.subset = this.subset;
    if (this.drawnCount === 0) {
      // An empty slab: nothing to draw, and NGL buffers of size 0 are not worth the risk.
      this.representation = representation;
      this.stage.viewer.requestRender();
      return;
    }
    const positions = this.drawn(this.frame.positions, 3);
    const colors = this.drawn(this.colors, 3);
    if (representation === 'points') {
      this.pointBuffer = new PointBuffer(
        { position: positions, color: colors, picking: this.picker as never },
        { pointSize: this.pointSizeA(atomScale), sizeAttenuation: true, useTexture: true, alphaTest: 0.3, edgeBleach: 0.25 },
      );
      shape.addBuffer(this.pointBuffer);
    } else {
      this.sphereBuffer = new SphereBuffer(
        { position: positions, color: colors, radius: this.drawn(this.radii(atomScale), 1), picking: this.picker as never },
        { disableImpostor: false } as never,
      );
      shape.addBuffer(this.sphereBuffer);
      if (representation === 'ball+stick') {
        this.sticks ??= findNeighbourSticks(this.frame.positions, this.frame.speciesIndex, this.styles.map((s) => s.radiusA), count).pairs;
        const pairs = this.drawnSticks(this.sticks);
        if (pairs.length > 0) {
          this.stickBuffer = this.makeSticks(pairs);
          shape.addBuffer(this.stickBuffer);
        }
      }
    }
    const component = this.stage.addComponentFromObject(shape) as ShapeComponent | undefined;
    if (!component) throw new Error('NGL refused the atom shape');
    component.addRepresentation('buffer', {});
    this.atomComponent = component;
    this.representation = representation;
  }

  /** The representation actually shown (ball+stick falls back to points on huge structures). */
  get shownRepresentation(): Representation | null {
    return this.representation;
  }

  get stickCount(): number {
    return this.sticks ? this.sticks.length / 2 : 0;
  }

  /**
   * Draws the atoms in these colours (RGB floats per atom, 0…1), or in their element colours for null. Only the
   * colour attribute is uploaded again; positions and radii stay on the GPU.
   */
  setColors(colors: Float32Array | null): void {
    const next = colors ?? this.elementColors;
    if (next.length !== this.frame.count * 3) throw new Error(`expected ${this.frame.count * 3} colour values, got ${next.length}`);
    this.colors = next;
    if (this.representation === null) return;
    if (this.representation === 'ball+stick') {
      // Stick halves take their atoms' colours; ball+stick is capped at 60k atoms, so rebuilding is quick.
      this.setRepresentation('ball+stick', this.atomScale);
    } else {
      const drawn = this.drawn(next, 3);
      this.sphereBuffer?.setAttributes({ color: drawn });
      this.pointBuffer?.setAttributes({ color: drawn });
    }
    this.stage.viewer.requestRender();
  }

  /** Draws only the atoms inside the slab (null = all atoms); returns how many are drawn. */
  setSlab(slab: AtomSlab | null): number {
    if (slab === null && this.subset === null) return this.drawnCount;
    if (slab === null) {
      this.subset = null;
    } else {
      const p = this.frame.positions;
      const inside = new Uint32Array(this.frame.count);
      let n = 0;
      for (let i = 0; i < this.frame.count; i++) {
        const x = p[3 * i + slab.axis] as number;
        if (x >= slab.lowA && x <= slab.highA) inside[n++] = i;
      }
      this.subset = inside.slice(0, n);
    }
    if (this.representation !== null) this.setRepresentation(this.representation, this.atomScale);
    return this.drawnCount;
  }

  get drawnCount(): number {
    return this.subset ? this.subset.length : this.frame.count;
  }

  setAtomScale(atomScale: number): void {
    this.atomScale = atomScale;
    if (this.sphereBuffer) this.sphereBuffer.setAttributes({ radius: this.drawn(this.radii(atomScale), 1) });
    // pointSize is a uniform of PointBuffer that its declared parameter type does not list.
    if (this.pointBuffer) this.pointBuffer.setParameters({ pointSize: this.pointSizeA(atomScale) } as never);
    this.stage.viewer.requestRender();
  }

  setCell(visible: boolean, colorHex: number): void {
    this.cellComponent?.setVisibility(false);
    if (this.cellComponent) this.stage.removeComponent(this.cellComponent);
    this.cellComponent = null;
    if (!visible) return;
    const shape = new Shape('cell');
    const color = [((colorHex >> 16) & 255) / 255, ((colorHex >> 8) & 255) / 255, (colorHex & 255) / 255] as [number, number, number];
    for (const [p, q] of cellEdges(this.frame.cell)) shape.addWideline(p, q, color, 2, 'cell edge');
    const component = this.stage.addComponentFromObject(shape) as ShapeComponent | undefined;
    if (!component) return;
    component.addRepresentation('buffer', { disablePicking: true });
    this.cellComponent = component;
  }

  /**
   * Looks along a cell axis (the beam direction when the zone axis is that axis), or the default oblique view, with
   * the whole cell in the picture. NGL's own autoView sizes for an axis-aligned box seen face-on and crops a box
   * seen obliquely, so the distance here comes from the bounding sphere of cell and atoms.
   */
  orient(axis: ViewAxis, durationMs = 0): void {
    this.stage.viewerControls.rotate(viewRotation(axis));
    const { center, radiusA } = this.boundingSphere();
    const viewer = this.stage.viewer;
    const halfFov = (viewer.perspectiveCamera.fov * Math.PI) / 360;
    const aspect = viewer.height < viewer.width ? 1 : viewer.width / Math.max(1, viewer.height);
    const distance = (1.04 * radiusA) / Math.sin(halfFov) / aspect + this.stage.parameters.clipDist;
    this.stage.animationControls.zoomMove(new Vector3(...center), -distance, durationMs);
  }

  private sphere: { center: Vec3; radiusA: number } | null = null;

  private boundingSphere(): { center: Vec3; radiusA: number } {
    if (this.sphere) return this.sphere;
    const { cell, positions, count } = this.frame;
    const center: Vec3 = [0, 1, 2].map((d) => cell.origin[d]! + (cell.a[d]! + cell.b[d]! + cell.c[d]!) / 2) as Vec3;
    let r2 = 0;
    for (const [p] of cellEdges(cell)) r2 = Math.max(r2, (p[0] - center[0]) ** 2 + (p[1] - center[1]) ** 2 + (p[2] - center[2]) ** 2);
    for (let i = 0; i < count; i++) {
      const dx = positions[3 * i]! - center[0], dy = positions[3 * i + 1]! - center[1], dz = positions[3 * i + 2]! - center[2];
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > r2) r2 = d2;
    }
    const maxAtomRadius = Math.max(0, ...this.styles.map((s) => s.radiusA));
    this.sphere = { center, radiusA: Math.sqrt(r2) + maxAtomRadius };
    return this.sphere;
  }

  dispose(): void {
    this.removeAtoms();
    if (this.cellComponent) this.stage.removeComponent(this.cellComponent);
    this.cellComponent = null;
  }

  private removeAtoms(): void {
    if (this.atomComponent) this.stage.removeComponent(this.atomComponent);
    this.atomComponent = null;
    this.sphereBuffer = null;
    this.pointBuffer = null;
    this.stickBuffer = null;
  }

  /** The per-atom array restricted to the drawn atoms (the array itself when all are drawn). */
  private drawn(array: Float32Array, itemSize: number): Float32Array {
    const subset = this.subset;
    if (!subset) return array;
    const out = new Float32Array(subset.length * itemSize);
    for (let k = 0; k < subset.length; k++) {
      const i = subset[k] as number;
      for (let d = 0; d < itemSize; d++) out[k * itemSize + d] = array[i * itemSize + d] as number;
    }
    return out;
  }

  /** Sticks whose two atoms are both drawn. */
  private drawnSticks(pairs: Uint32Array): Uint32Array {
    const subset = this.subset;
    if (!subset) return pairs;
    const shown = new Uint8Array(this.frame.count);
    for (let k = 0; k < subset.length; k++) shown[subset[k] as number] = 1;
    const out = new Uint32Array(pairs.length);
    let n = 0;
    for (let k = 0; k < pairs.length; k += 2) {
      const i = pairs[k] as number;
      const j = pairs[k + 1] as number;
      if (shown[i] && shown[j]) {
        out[n++] = i;
        out[n++] = j;
      }
    }
    return out.slice(0, n);
  }

  private radii(atomScale: number): Float32Array {
    const bySpecies = this.styles.map((s) => s.radiusA * atomScale);
    const radius = new Float32Array(this.frame.count);
    for (let i = 0; i < this.frame.count; i++) radius[i] = bySpecies[this.frame.speciesIndex[i] ?? 0] ?? 1;
    return radius;
  }

  /** Points share one size: the number-weighted mean display diameter. */
  private pointSizeA(atomScale: number): number {
    const total = this.counts.reduce((a, b) => a + b, 0) || 1;
    const meanRadius = this.styles.reduce((sum, s, i) => sum + s.radiusA * (this.counts[i] ?? 0), 0) / total;
    return 2 * (meanRadius || 1.4) * atomScale;
  }

  private makeSticks(pairs: Uint32Array): InstanceType<typeof CylinderBuffer> {
    const n = pairs.length / 2;
    const p = this.frame.positions;
    const position1 = new Float32Array(3 * n);
    const position2 = new Float32Array(3 * n);
    const color = new Float32Array(3 * n);
    const color2 = new Float32Array(3 * n);
    for (let k = 0; k < n; k++) {
      const i = pairs[2 * k] ?? 0;
      const j = pairs[2 * k + 1] ?? 0;
      for (let d = 0; d < 3; d++) {
        position1[3 * k + d] = p[3 * i + d] ?? 0;
        position2[3 * k + d] = p[3 * j + d] ?? 0;
        color[3 * k + d] = this.colors[3 * i + d] ?? 0;
        color2[3 * k + d] = this.colors[3 * j + d] ?? 0;
      }
    }
    const radius = new Float32Array(n).fill(STICK_RADIUS_A);
    return new CylinderBuffer({ position1, position2, color, color2, radius } as never, {
      disableImpostor: false,
      disablePicking: true,
    } as never);
  }
}

/** The 12 edges of the parallelepiped origin + {0,1}·a + {0,1}·b + {0,1}·c (any triclinic cell). */
export function cellEdges(cell: Cell): Array<[Vec3, Vec3]> {
  const corner = (i: number, j: number, k: number): Vec3 => [
    cell.origin[0] + i * cell.a[0] + j * cell.b[0] + k * cell.c[0],
    cell.origin[1] + i * cell.a[1] + j * cell.b[1] + k * cell.c[1],
    cell.origin[2] + i * cell.a[2] + j * cell.b[2] + k * cell.c[2],
  ];
  const edges: Array<[Vec3, Vec3]> = [];
  for (let u = 0; u <= 1; u++)
    for (let v = 0; v <= 1; v++) {
      edges.push([corner(0, u, v), corner(1, u, v)]);
      edges.push([corner(u, 0, v), corner(u, 1, v)]);
      edges.push([corner(u, v, 0), corner(u, v, 1)]);
    }
  return edges;
}

/** Scene rotation that puts `axis` towards the viewer with the next axis to the right and the one after up. */
function viewRotation(axis: ViewAxis): Quaternion {
  // Rows are the world directions that end up screen-right, screen-up and towards the viewer.
  const rows: Record<Exclude<ViewAxis, 'default'>, [Vec3, Vec3, Vec3]> = {
    z: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    x: [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
    y: [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
  };
  if (axis === 'default') {
    // Along z (the default zone axis), tipped 20° about screen-x and 30° about screen-y so the box reads as 3D.
    const tilt = new Quaternion().setFromAxisAngle(new Vector3(1, 0, 0), (20 * Math.PI) / 180);
    const turn = new Quaternion().setFromAxisAngle(new Vector3(0, 1, 0), (-30 * Math.PI) / 180);
    return tilt.multiply(turn);
  }
  const [r, u, t] = rows[axis];
  const m = new Matrix4().set(r[0], r[1], r[2], 0, u[0], u[1], u[2], 0, t[0], t[1], t[2], 0, 0, 0, 0, 1);
  return new Quaternion().setFromRotationMatrix(m);
}
