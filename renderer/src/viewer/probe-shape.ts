/**
 * The NBED probe in the 3D view: a translucent cylinder, ellipsoid or (for the one-layer cluster) sphere at the
 * probe centre, oriented along the zone axis, as an NGL Shape component the viewer adds and removes.
 */
import { Shape, type Component, type ShapeComponent, type Stage } from 'ngl';
import type { Vec3 } from '../../../main/shared/domain';
import type { ProbeOverlay } from '../nbed/probe-settings';

/** A one-layer cluster (an atom and its 12 neighbours) reaches about to the first minimum of g(r). */
const CLUSTER_RADIUS_A = 3.4;
const PROBE_COLOUR: [number, number, number] = [0.2, 0.85, 1.0];
const PROBE_OPACITY = 0.35;

function along(c: Vec3, w: Vec3, t: number): Vec3 {
  return [c[0] + t * w[0], c[1] + t * w[1], c[2] + t * w[2]];
}

function scaled(v: Vec3, s: number): Vec3 {
  return [v[0] * s, v[1] * s, v[2] * s];
}

interface DepthTested {
  material?: { depthTest: boolean; needsUpdate: boolean };
  wireframeMaterial?: { depthTest: boolean; needsUpdate: boolean };
}

/** Adds the probe to the stage; the caller removes the component it gets back. */
export function addProbeShape(stage: Stage, overlay: ProbeOverlay): Component | null {
  const { centre, probe, basis } = overlay;
  const shape = new Shape('nbed probe');
  if (probe.kind === 'cylinder') {
    const half = probe.heightA / 2;
    shape.addCylinder(along(centre, basis.w, -half), along(centre, basis.w, half), PROBE_COLOUR, probe.radiusA, 'probe');
  } else if (probe.kind === 'ellipsoid') {
    const [a, b, c] = probe.semiAxesA;
    // NGL's ellipsoid: major and minor axis vectors (their lengths are the semi-axes), radius = the third semi-axis.
    shape.addEllipsoid(centre, PROBE_COLOUR, c, scaled(basis.u, a), scaled(basis.v, b), 'probe');
  } else {
    shape.addSphere(centre, PROBE_COLOUR, CLUSTER_RADIUS_A, 'probe');
  }
  // A thin line along the beam through the centre shows the zone axis even when the probe hides inside atoms.
  const reach = probe.kind === 'cylinder' ? probe.heightA : 12;
  shape.addWideline(along(centre, basis.w, -reach), along(centre, basis.w, reach), PROBE_COLOUR, 2, 'zone axis');
  const component = stage.addComponentFromObject(shape) as ShapeComponent | undefined;
  if (!component) return null;
  const representation = component.addRepresentation('buffer', { opacity: PROBE_OPACITY, disablePicking: true, depthWrite: false });
  // The probe sits inside the material, so depth-tested it would be hidden by the atoms in front. Drawn without the
  // depth test (transparent objects come after the opaque atoms) it shows as a ghost over them, where it is.
  const buffers = (representation.repr as unknown as { bufferList?: DepthTested[] }).bufferList ?? [];
  for (const buffer of buffers) {
    for (const material of [buffer.material, buffer.wireframeMaterial]) {
      if (!material) continue;
      material.depthTest = false;
      material.needsUpdate = true;
    }
  }
  stage.viewer.requestRender();
  return component;
}
