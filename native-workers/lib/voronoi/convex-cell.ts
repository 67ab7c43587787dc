/**
 * One Voronoi cell under construction, as voro++ builds it: a convex polyhedron around the atom (at the origin) that
 * starts as a box and is cut by half-spaces. Faces are vertex loops, counter-clockwise seen from outside, in flat typed
 * arrays reused from atom to atom. Vertices within a tolerance of a cutting plane are kept *on* it rather than split,
 * which is what turns the exact degeneracies of crystals (FCC's four-fold vertices) into single vertices.
 */

export const CUT_NONE = 0;
export const CUT_MADE = 1;
export const CUT_FAILED = -1;

/** The eight corners of a box, bit 0/1/2 = high x/y/z, and its six faces, counter-clockwise from outside. */
const BOX_FACES = [
  [0, 4, 6, 2], // x low
  [1, 3, 7, 5], // x high
  [0, 1, 5, 4], // y low
  [2, 6, 7, 3], // y high
  [0, 2, 3, 1], // z low
  [4, 5, 7, 6], // z high
] as const;

export interface FaceMeasure {
  label: number;
  areaA2: number;
  /** Number of edges longer than the threshold (all edges when the threshold is ≤ 0). */
  order: number;
}

export class ConvexCell {
  vertexCount = 0;
  faceCount = 0;
  /** Why the last cut failed. */
  failure = '';
  /** Kept up to date by every cut (see maxRadiusSq). */
  private maxSq = 0;

  private vx = new Float64Array(64);
  private vy = new Float64Array(64);
  private vz = new Float64Array(64);
  private bx = new Float64Array(64);
  private by = new Float64Array(64);
  private bz = new Float64Array(64);
  private side = new Int8Array(64);
  private height = new Float64Array(64);
  private remap = new Int32Array(64);
  private next = new Int32Array(64);

  private faceStart = new Int32Array(32);
  private faceLength = new Int32Array(32);
  private faceLabel = new Int32Array(32);
  private faceVertex = new Int32Array(256);
  private faceVertexCount = 0;
  private newStart = new Int32Array(32);
  private newLength = new Int32Array(32);
  private newLabel = new Int32Array(32);
  private newVertex = new Int32Array(256);

  /** The edge crossings made by the current cut (in-side vertex, out-side vertex), so both faces share them. */
  private crossIn = new Int32Array(64);
  private crossOut = new Int32Array(64);
  /** New-face edges found on the cutting plane, already reversed into the new face's orientation. */
  private edgeFrom = new Int32Array(256);
  private edgeTo = new Int32Array(256);

  /** Resets to the box [lo, hi] on each axis (relative to the atom); labels[k] names the face of BOX_FACES[k]. */
  initBox(xlo: number, xhi: number, ylo: number, yhi: number, zlo: number, zhi: number, labels: ArrayLike<number>): void {
    for (let v = 0; v < 8; v++) {
      this.vx[v] = v & 1 ? xhi : xlo;
      this.vy[v] = v & 2 ? yhi : ylo;
      this.vz[v] = v & 4 ? zhi : zlo;
    }
    this.vertexCount = 8;
    let k = 0;
    for (let f = 0; f < 6; f++) {
      this.faceStart[f] = k;
      this.faceLength[f] = 4;
      this.faceLabel[f] = labels[f] as number;
      for (const v of BOX_FACES[f] as readonly number[]) this.faceVertex[k++] = v;
    }
    this.faceCount = 6;
    this.faceVertexCount = k;
    this.maxSq = this.computeMaxRadiusSq();
  }

  /** Largest squared distance of a vertex from the atom: planes farther than half its root cannot cut. */
  maxRadiusSq(): number {
    return this.maxSq;
  }

  private computeMaxRadiusSq(): number {
    let m = 0;
    for (let v = 0; v < this.vertexCount; v++) {
      const x = this.vx[v] as number;
      const y = this.vy[v] as number;
      const z = this.vz[v] as number;
      const r = x * x + y * y + z * z;
      if (r > m) m = r;
    }
    return m;
  }

  /**
   * Keeps the half-space n · v ≤ offset. Vertices with |n · v − offset| ≤ tolerance count as on the plane.
   * Returns CUT_NONE (nothing beyond the plane), CUT_MADE, or CUT_FAILED with `failure` set.
   */
  cut(nx: number, ny: number, nz: number, offset: number, label: number, tolerance: number): number {
    const nv = this.vertexCount;
    const side = this.side;
    const height = this.height;
    let anyOut = false;
    let anyIn = false;
    const px = this.vx;
    const py = this.vy;
    const pz = this.vz;
    for (let v = 0; v < nv; v++) {
      const h = nx * (px[v] as number) + ny * (py[v] as number) + nz * (pz[v] as number) - offset;
      height[v] = h;
      if (h > tolerance) {
        side[v] = 1;
        anyOut = true;
      } else if (h < -tolerance) {
        side[v] = -1;
        anyIn = true;
      } else {
        side[v] = 0;
      }
    }
    if (!anyOut) return CUT_NONE;
    if (!anyIn) return this.fail('a cutting plane left nothing of the cell (the atom is not inside its own cell)');

    const edges = this.faceVertexCount >> 1;
    // Each crossed edge adds one vertex; each clipped face grows by at most one; the new face has at most
    // every vertex: size the buffers for the worst case once, so the loops below need no checks.
    this.reserve(nv + edges + 1, this.faceCount + 1, this.faceVertexCount + this.faceCount + nv + edges + 1);
    const vx = this.vx;
    const vy = this.vy;
    const vz = this.vz;
    const fs = this.faceStart;
    const fl = this.faceLength;
    const fv = this.faceVertex;
    const ns = this.newStart;
    const nl = this.newLength;
    const nlab = this.newLabel;
    const nvtx = this.newVertex;
    const crossIn = this.crossIn;
    const crossOut = this.crossOut;
    const edgeFrom = this.edgeFrom;
    const edgeTo = this.edgeTo;
    let vertexEnd = nv;
    let crossings = 0;
    let faces = 0;
    let used = 0;
    let planeEdges = 0;

    for (let f = 0; f < this.faceCount; f++) {
      const s0 = fs[f] as number;
      const len = fl[f] as number;
      // One pass clips the loop: for each edge (a → b), the crossing if it spans the plane, then b if it is kept.
      // A face with nothing outside comes through unchanged; one wholly outside comes out empty.
      const begin = used;
      let onResult = 0;
      let a = fv[s0 + len - 1] as number;
      let sa = side[a] as number;
      for (let k = 0; k < len; k++) {
        const b = fv[s0 + k] as number;
        const sb = side[b] as number;
        if (sa * sb === -1) {
          const inV = sa < 0 ? a : b;
          const outV = sa < 0 ? b : a;
          let w = -1;
          for (let c = 0; c < crossings; c++) {
            if (crossIn[c] === inV && crossOut[c] === outV) {
              w = nv + c;
              break;
            }
          }
          if (w < 0) {
            // Interpolate from the inside vertex, the same way from both faces that share the edge.
            const hIn = height[inV] as number;
            const t = hIn / (hIn - (height[outV] as number));
            w = vertexEnd++;
            vx[w] = (vx[inV] as number) + t * ((vx[outV] as number) - (vx[inV] as number));
            vy[w] = (vy[inV] as number) + t * ((vy[outV] as number) - (vy[inV] as number));
            vz[w] = (vz[inV] as number) + t * ((vz[outV] as number) - (vz[inV] as number));
            side[w] = 0;
            crossIn[crossings] = inV;
            crossOut[crossings] = outV;
            crossings++;
          }
          nvtx[used++] = w;
          onResult++;
        }
        if (sb <= 0) {
          nvtx[used++] = b;
          if (sb === 0) onResult++;
        }
        a = b;
        sa = sb;
      }
      const m = used - begin;
      if (m < 3 || onResult === m) {
        used = begin; // shrank to a segment or a point on the plane
        continue;
      }
      if (onResult >= 2) {
        for (let k = 0; k < m; k++) {
          const p = nvtx[begin + k] as number;
          const q = nvtx[begin + (k + 1 === m ? 0 : k + 1)] as number;
          if (side[p] === 0 && side[q] === 0) {
            // The new face runs along this edge the other way round.
            edgeFrom[planeEdges] = q;
            edgeTo[planeEdges] = p;
            planeEdges++;
          }
        }
      }
      ns[faces] = begin;
      nl[faces] = m;
      nlab[faces] = this.faceLabel[f] as number;
      faces++;
    }

    // Chain the plane edges into the new face's loop; a vertex may start only one edge, and one loop must use all.
    if (planeEdges < 3) return this.fail(`a cut left a face of ${planeEdges} edges (degenerate geometry)`);
    const next = this.next;
    for (let e = 0; e < planeEdges; e++) {
      next[edgeFrom[e] as number] = -1;
      next[edgeTo[e] as number] = -1;
    }
    for (let e = 0; e < planeEdges; e++) {
      const from = edgeFrom[e] as number;
      if (next[from] !== -1) return this.fail('a cut met a vertex twice on its plane (degenerate geometry)');
      next[from] = edgeTo[e] as number;
    }
    const first = edgeFrom[0] as number;
    const begin = used;
    let cur = first;
    let steps = 0;
    do {
      nvtx[used++] = cur;
      cur = next[cur] as number;
      steps++;
    } while (cur !== first && cur !== -1 && steps <= planeEdges);
    if (cur !== first || steps !== planeEdges) {
      return this.fail('the cutting plane met the cell in more than one loop (degenerate geometry)');
    }
    ns[faces] = begin;
    nl[faces] = steps;
    nlab[faces] = label;
    faces++;

    // Keep only vertices some face still uses, renumbered in order of first use.
    const remap = this.remap;
    remap.fill(-1, 0, vertexEnd);
    let kept = 0;
    let maxSq = 0;
    const bx = this.bx;
    const by = this.by;
    const bz = this.bz;
    for (let k = 0; k < used; k++) {
      const v = nvtx[k] as number;
      let r = remap[v] as number;
      if (r < 0) {
        r = kept++;
        remap[v] = r;
        const x = vx[v] as number;
        const y = vy[v] as number;
        const z = vz[v] as number;
        bx[r] = x;
        by[r] = y;
        bz[r] = z;
        const rsq = x * x + y * y + z * z;
        if (rsq > maxSq) maxSq = rsq;
      }
      nvtx[k] = r;
    }
    this.maxSq = maxSq;
    this.swapBuffers();
    this.vertexCount = kept;
    this.faceCount = faces;
    this.faceVertexCount = used;
    return CUT_MADE;
  }

  /** True when some face still carries this label (e.g. a provisional bounding face that should have been cut away). */
  hasFaceLabelled(label: number): boolean {
    for (let f = 0; f < this.faceCount; f++) if (this.faceLabel[f] === label) return true;
    return false;
  }

  /** V − E + F; 2 for every closed convex polyhedron. */
  eulerCharacteristic(): number {
    return this.vertexCount - this.faceVertexCount / 2 + this.faceCount;
  }

  /**
   * Volume (Å³) from the faces as pyramids on the atom, and per face: area, order (edges longer than the
   * threshold), edge lengths. `onFace` and `onEdge` receive them in face order; either may be omitted.
   */
  measure(
    thresholdA: number,
    onFace: ((label: number, areaA2: number, order: number) => void) | null,
    onEdge: ((lengthA: number) => void) | null,
    orderCounts: Int32Array,
  ): number {
    const vx = this.vx;
    const vy = this.vy;
    const vz = this.vz;
    const fv = this.faceVertex;
    const thresholdSq = thresholdA * thresholdA;
    let volume6 = 0;
    orderCounts.fill(0);
    for (let f = 0; f < this.faceCount; f++) {
      const s0 = this.faceStart[f] as number;
      const len = this.faceLength[f] as number;
      const v0 = fv[s0] as number;
      const x0 = vx[v0] as number;
      const y0 = vy[v0] as number;
      const z0 = vz[v0] as number;
      // Fan from the first vertex: twice the vector area, and v0 · that gives six times the pyramid volume.
      let sx = 0;
      let sy = 0;
      let sz = 0;
      let order = 0;
      let px = x0;
      let py = y0;
      let pz = z0;
      for (let k = 1; k <= len; k++) {
        const v = fv[s0 + (k === len ? 0 : k)] as number;
        const qx = vx[v] as number;
        const qy = vy[v] as number;
        const qz = vz[v] as number;
        const ex = qx - px;
        const ey = qy - py;
        const ez = qz - pz;
        const lenSq = ex * ex + ey * ey + ez * ez;
        if (thresholdA <= 0 || lenSq > thresholdSq) order++;
        if (onEdge) onEdge(Math.sqrt(lenSq));
        if (k < len - 1) {
          const v2 = fv[s0 + k + 1] as number;
          const ax = qx - x0;
          const ay = qy - y0;
          const az = qz - z0;
          const cx = (vx[v2] as number) - x0;
          const cy = (vy[v2] as number) - y0;
          const cz = (vz[v2] as number) - z0;
          sx += ay * cz - az * cy;
          sy += az * cx - ax * cz;
          sz += ax * cy - ay * cx;
        }
        px = qx;
        py = qy;
        pz = qz;
      }
      volume6 += x0 * sx + y0 * sy + z0 * sz;
      const slot = order < orderCounts.length ? order : orderCounts.length - 1;
      orderCounts[slot] = (orderCounts[slot] as number) + 1;
      if (onFace) onFace(this.faceLabel[f] as number, 0.5 * Math.sqrt(sx * sx + sy * sy + sz * sz), order);
    }
    return volume6 / 6;
  }

  private fail(reason: string): number {
    this.failure = reason;
    return CUT_FAILED;
  }

  private swapBuffers(): void {
    let t = this.vx;
    this.vx = this.bx;
    this.bx = t;
    t = this.vy;
    this.vy = this.by;
    this.by = t;
    t = this.vz;
    this.vz = this.bz;
    this.bz = t;
    let u = this.faceStart;
    this.faceStart = this.newStart;
    this.newStart = u;
    u = this.faceLength;
    this.faceLength = this.newLength;
    this.newLength = u;
    u = this.faceLabel;
    this.faceLabel = this.newLabel;
    this.newLabel = u;
    u = this.faceVertex;
    this.faceVertex = this.newVertex;
    this.newVertex = u;
  }

  /** Grows every buffer (keeping contents) so the next cut can write without bounds checks. */
  private reserve(vertices: number, faces: number, faceVertices: number): void {
    if (vertices > this.vx.length) {
      const n = Math.max(vertices, 2 * this.vx.length);
      this.vx = growF(this.vx, n);
      this.vy = growF(this.vy, n);
      this.vz = growF(this.vz, n);
      this.bx = new Float64Array(n);
      this.by = new Float64Array(n);
      this.bz = new Float64Array(n);
      const side = new Int8Array(n);
      side.set(this.side);
      this.side = side;
      this.height = growF(this.height, n);
      this.remap = new Int32Array(n);
      this.next = new Int32Array(n);
      this.crossIn = new Int32Array(n);
      this.crossOut = new Int32Array(n);
    }
    if (faces > this.faceStart.length) {
      const n = Math.max(faces, 2 * this.faceStart.length);
      this.faceStart = growI(this.faceStart, n);
      this.faceLength = growI(this.faceLength, n);
      this.faceLabel = growI(this.faceLabel, n);
      this.newStart = new Int32Array(n);
      this.newLength = new Int32Array(n);
      this.newLabel = new Int32Array(n);
    }
    if (faceVertices > this.faceVertex.length) {
      const n = Math.max(faceVertices, 2 * this.faceVertex.length);
      this.faceVertex = growI(this.faceVertex, n);
      this.newVertex = new Int32Array(n);
      // Plane edges come one per on-plane pair of a kept face, so face-vertex capacity bounds them.
      this.edgeFrom = new Int32Array(n);
      this.edgeTo = new Int32Array(n);
    }
  }
}

function growF(old: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const a = new Float64Array(n);
  a.set(old);
  return a;
}

function growI(old: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const a = new Int32Array(n);
  a.set(old);
  return a;
}
