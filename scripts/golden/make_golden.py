#!/usr/bin/python3
"""Generate the cascade golden fixtures with NumPy/SciPy (Debian's python3-numpy / python3-scipy).

Usage: /usr/bin/python3 scripts/golden/make_golden.py [outdir]   (default: src/cascade/golden)

Writes small .npy arrays and `cases.json`. Each case is a complete cascade (JSON, same schema as
resources/cascades/*.json) plus its input files and, per checked stage reference, the expected
array and a tolerance. `src/cascade/golden/harness.ts` runs the cases on any CascadeProcessor.
Also writes `butter.json` (scipy.signal.butter sos for several designs). Deterministic (fixed seeds).
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.signal as ss

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'cascade', 'golden')
OUT = os.path.abspath(OUT)
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith('.npy'):
        os.remove(os.path.join(OUT, f))

rng = np.random.default_rng(20261122)
L, N = 8, 64
cases = []
written = set()


def save(name, arr):
    if name in written:
        raise SystemExit(f'duplicate fixture {name}')
    written.add(name)
    np.save(os.path.join(OUT, name + '.npy'), np.ascontiguousarray(arr))
    return name + '.npy'


def F64(rtol=1e-9, atol=1e-9):
    return {'rtol': rtol, 'atol': atol}


def case(name, stages, outputs_check, input_file, dtype, shape, aux=None, frames=1, doc=''):
    """outputs_check: list of (stage ref, expected array, tolerance dict)."""
    spec = {
        'name': name,
        'description': doc,
        'input': {'lines': shape[0], 'samples': shape[1], 'dtype': dtype},
        'stages': stages,
        'outputs': {'display': outputs_check[0][0]},
    }
    if aux:
        spec['input']['aux'] = {k: {'dtype': v[1]} for k, v in aux.items()}
    expect = []
    for ref, arr, tol in outputs_check:
        expect.append(dict(ref=ref, file=save(f'{name}__{ref.replace(".", "_")}', arr), **tol))
    cases.append(dict(name=name, doc=doc, frames=frames, cascade=spec, input=input_file,
                      aux={k: v[0] for k, v in (aux or {}).items()}, expect=expect))


def stage(id_, type_, input_='input', params=None, aux=None):
    s = {'id': id_, 'type': type_, 'input': input_}
    if params is not None:
        s['params'] = params
    if aux:
        s['aux'] = aux
    return s


# ---------------------------------------------------------------- inputs
raw = np.clip(np.rint(20000 + 3000 * np.sin(np.arange(N) / 5.0)[None, :] + rng.normal(0, 400, (L, N))), 0, 65535).astype(np.uint16)
f_raw = save('in_raw_u16', raw)
x = rng.normal(0, 1, (L, N)) + np.cos(2 * np.pi * 0.11 * np.arange(N))[None, :] * 3
f_x = save('in_x_f64', x)
xpos = np.abs(x) * 20 + 30          # for levels / logs
f_xpos = save('in_xpos_f64', xpos)
stack = rng.normal(0, 1, (4, L, N)) + np.arange(4)[:, None, None]
f_stack = save('in_stack_f64', stack)
u8in = rng.integers(0, 256, (L, N), dtype=np.uint8)
f_u8 = save('in_u8', u8in)
x32 = (rng.normal(0, 100, (L, N))).astype(np.float32)
f_x32 = save('in_x_f32', x32)

# ---------------------------------------------------------------- convert / background
case('convert_u8', [stage('c', 'convert', params={'offset': 128, 'scale': 0.5})],
     [('c', (u8in.astype(np.float64) - 128) * 0.5, F64(0, 0))], f_u8, 'uint8', (L, N))
case('convert_f32', [stage('c', 'convert', params={'offset': -3, 'scale': 2})],
     [('c', (x32.astype(np.float64) + 3) * 2, F64(0, 0))], f_x32, 'float32', (L, N))
r64 = raw.astype(np.float64)
case('background_frame_mean', [stage('b', 'background', params={'mode': 'frame-mean'})],
     [('b', r64 - r64.mean(axis=0), F64(1e-12, 1e-9))], f_raw, 'uint16', (L, N),
     doc='S1: x - mean over lines')
bgref = rng.normal(20000, 100, N)
case('background_fixed', [stage('b', 'background', params={'mode': 'fixed', 'reference': bgref.tolist()})],
     [('b', r64 - bgref, F64(0, 0))], f_raw, 'uint16', (L, N))
alpha = 0.3
bg = None
outs = []
for f in range(stack.shape[0]):
    m = stack[f].mean(axis=0)
    bg = m if bg is None else (1 - alpha) * bg + alpha * m
    outs.append(stack[f] - bg)
case('background_running', [stage('b', 'background', params={'mode': 'running-mean', 'alpha': alpha})],
     [('b', np.array(outs), F64(1e-12, 1e-12))], f_stack, 'float64', (L, N), frames=4,
     doc='running mean of per-frame mean spectra, alpha = 0.3')

# ---------------------------------------------------------------- windows (scipy.signal.get_window)
for kind, arg in [('hann', 'hann'), ('hamming', 'hamming'), ('blackman', 'blackman'), ('tukey', ('tukey', 0.5)), ('tukey25', ('tukey', 0.25)), ('rect', 'boxcar')]:
    for periodic in (True, False):
        w = ss.get_window(arg, N, fftbins=periodic)
        p = {'kind': 'tukey' if kind.startswith('tukey') else kind, 'periodic': periodic}
        if kind == 'tukey25':
            p['alpha'] = 0.25
        case(f'window_{kind}_{"periodic" if periodic else "symmetric"}', [stage('w', 'window', params=p)],
             [('w', x * w, F64(1e-12, 1e-13))], f_x, 'float64', (L, N),
             doc=f'x * scipy.signal.get_window({arg!r}, {N}, fftbins={periodic})')

# ---------------------------------------------------------------- FFTs
S = np.fft.rfft(x, axis=1)
case('rfft_variants', [
    stage('mag', 'rfft', params={'output': 'magnitude'}),
    stage('lm', 'rfft', params={'output': 'logmag', 'floor': 1e-3}),
    stage('ph', 'rfft', params={'output': 'phase'}),
    stage('pw', 'rfft', params={'output': 'power'}),
    stage('cx', 'rfft', params={'output': 'complex'}),
    stage('pad', 'rfft', params={'output': 'magnitude', 'nfft': 128}),
], [
    ('mag', np.abs(S), F64(1e-10, 1e-10)),
    ('lm', 20 * np.log10(np.maximum(np.abs(S), 1e-3)), F64(1e-10, 1e-10)),
    ('ph', np.angle(S), F64(1e-9, 1e-9)),
    ('pw', np.abs(S) ** 2, F64(1e-10, 1e-10)),
    ('cx', np.stack([S.real, S.imag], axis=-1), F64(1e-10, 1e-10)),
    ('pad', np.abs(np.fft.rfft(x, n=128, axis=1)), F64(1e-10, 1e-10)),
], f_x, 'float64', (L, N), doc='numpy.fft.rfft; logmag = 20 log10(max(|X|, 1e-3))')

phi_t = np.arange(N) / (N - 1) - 0.5
phi = 3.0 * phi_t ** 2 + 1.5 * phi_t ** 3
xd = x * np.exp(-1j * phi)
cplx = lambda z: np.stack([z.real, z.imag], axis=-1)
case('complex_fft_ifft', [
    stage('d', 'dispersion', params={'a2': 3.0, 'a3': 1.5}),
    stage('F', 'fft', 'd'),
    stage('I', 'fft', 'd', params={'inverse': True}),
    stage('Fr', 'fft', 'input'),
    stage('abs', 'complex-part', 'F', params={'part': 'abs'}),
    stage('la', 'complex-part', 'F', params={'part': 'logabs', 'floor': 1e-3}),
    stage('re', 'complex-part', 'F', params={'part': 'real'}),
    stage('im', 'complex-part', 'F', params={'part': 'imag'}),
    stage('an', 'complex-part', 'F', params={'part': 'phase'}),
    stage('pw', 'complex-part', 'F', params={'part': 'power'}),
], [
    ('d', cplx(xd), F64(1e-12, 1e-12)),
    ('F', cplx(np.fft.fft(xd, axis=1)), F64(1e-10, 1e-10)),
    ('I', cplx(np.fft.ifft(xd, axis=1)), F64(1e-10, 1e-12)),
    ('Fr', cplx(np.fft.fft(x, axis=1)), F64(1e-10, 1e-10)),
    ('abs', np.abs(np.fft.fft(xd, axis=1)), F64(1e-10, 1e-10)),
    ('la', 20 * np.log10(np.maximum(np.abs(np.fft.fft(xd, axis=1)), 1e-3)), F64(1e-10, 1e-10)),
    ('re', np.fft.fft(xd, axis=1).real, F64(1e-10, 1e-10)),
    ('im', np.fft.fft(xd, axis=1).imag, F64(1e-10, 1e-10)),
    ('an', np.angle(np.fft.fft(xd, axis=1)), F64(1e-9, 1e-9)),
    ('pw', np.abs(np.fft.fft(xd, axis=1)) ** 2, F64(1e-10, 1e-10)),
], f_x, 'float64', (L, N), doc='dispersion phase exp(-i(a2 t^2 + a3 t^3)), numpy.fft.fft / ifft, complex parts')

A = ss.hilbert(x, axis=1)
case('hilbert', [
    stage('env', 'hilbert', params={'output': 'envelope'}),
    stage('ph', 'hilbert', params={'output': 'phase'}),
    stage('uph', 'hilbert', params={'output': 'unwrapped-phase'}),
    stage('an', 'hilbert', params={'output': 'analytic'}),
], [
    ('env', np.abs(A), F64(1e-10, 1e-10)),
    ('ph', np.angle(A), F64(1e-9, 1e-9)),
    ('uph', np.unwrap(np.angle(A), axis=1), F64(1e-9, 1e-9)),
    ('an', cplx(A), F64(1e-10, 1e-10)),
], f_x, 'float64', (L, N), doc='scipy.signal.hilbert')

# ---------------------------------------------------------------- k-linearisation
lam = np.linspace(800.0, 880.0, N)
k = 1.0 / lam
kgrid = np.linspace(k.min(), k.max(), N)
klin = np.stack([np.interp(kgrid, k[::-1], row[::-1]) for row in x])
case('k_linearize', [stage('k', 'k-linearize', params={'lambdaStart': 800, 'lambdaEnd': 880})],
     [('k', klin, F64(1e-9, 1e-9))], f_x, 'float64', (L, N),
     doc='numpy.interp onto a uniform 1/lambda grid')
lam2 = np.linspace(900.0, 820.0, N)
k2 = 1.0 / lam2
kgrid2 = np.linspace(k2.min(), k2.max(), 48)
klin2 = np.stack([np.interp(kgrid2, k2, row) for row in x])
case('k_linearize_desc', [stage('k', 'k-linearize', params={'lambdaStart': 900, 'lambdaEnd': 820, 'samples': 48})],
     [('k', klin2, F64(1e-9, 1e-9))], f_x, 'float64', (L, N))

# ---------------------------------------------------------------- Butterworth + sosfilt + FIR
designs = [
    (4, [0.05, 0.6], 'bandpass'), (2, 0.2, 'lowpass'), (5, 0.3, 'lowpass'), (3, 0.1, 'highpass'),
    (6, 0.45, 'highpass'), (3, [0.1, 0.4], 'bandpass'), (2, [0.2, 0.5], 'bandstop'), (5, [0.15, 0.35], 'bandstop'),
    (1, 0.5, 'lowpass'), (8, [0.02, 0.9], 'bandpass'),
]
butter = []
for order, wn, btype in designs:
    sos = ss.butter(order, wn, btype=btype, output='sos')
    butter.append(dict(order=order, wn=wn, btype=btype, sos=sos.tolist()))
    tag = f'{btype}_{order}_' + ('_'.join(str(v) for v in np.atleast_1d(wn)))
    tag = tag.replace('.', 'p')
    case(f'sosfilt_design_{tag}', [
        stage('given', 'sosfilt', params={'sos': sos.tolist()}),
        stage('designed', 'sosfilt', params={'order': order, 'cutoff': list(np.atleast_1d(wn).astype(float)), 'btype': btype}),
    ], [
        ('given', ss.sosfilt(sos, x, axis=1), F64(1e-10, 1e-10)),
        ('designed', ss.sosfilt(sos, x, axis=1), F64(1e-8, 1e-9)),
    ], f_x, 'float64', (L, N), doc=f'scipy.signal.sosfilt(butter({order}, {wn}, {btype!r}, output="sos"), x)')
with open(os.path.join(OUT, 'butter.json'), 'w') as fh:
    json.dump(butter, fh, indent=1)

taps = ss.firwin(11, 0.3)
case('fir', [stage('f', 'fir', params={'taps': taps.tolist()})],
     [('f', ss.lfilter(taps, 1.0, x, axis=1), F64(1e-12, 1e-12))], f_x, 'float64', (L, N),
     doc='scipy.signal.lfilter(firwin(11, 0.3), 1, x)')


# ---------------------------------------------------------------- NLMS (reference python, S6)
def nlms(d, r, M, mu, eps):
    Lr, Nr = d.shape
    rp = np.concatenate([np.zeros((Lr, M - 1)), r], axis=1)
    W = np.zeros((Lr, M))
    e = np.empty_like(d)
    for n in range(Nr):
        U = rp[:, n:n + M][:, ::-1]
        yhat = np.sum(W * U, axis=1)
        en = d[:, n] - yhat
        e[:, n] = en
        W += (mu * en / (eps + np.sum(U * U, axis=1)))[:, None] * U
    return e


refu = np.clip(np.rint(32768 + 3000 * np.sin(2 * np.pi * 0.05 * np.arange(N) + rng.uniform(0, 6, (L, 1))) + rng.normal(0, 30, (L, N))), 0, 65535).astype(np.uint16)
f_ref = save('in_ref_u16', refu)
dsig = x * 10 + 0.1 * (refu.astype(np.float64) - 32768)
f_d = save('in_nlms_d_f64', dsig)
rr = refu.astype(np.float64) - 32768
case('nlms_16', [stage('e', 'nlms', params={'taps': 16, 'mu': 0.5, 'eps': 1e-6, 'referenceOffset': 32768}, aux={'reference': 'aux:ref'})],
     [('e', nlms(dsig, rr, 16, 0.5, 1e-6), F64(1e-9, 1e-9))], f_d, 'float64', (L, N), aux={'ref': (f_ref, 'uint16')},
     doc='S6 NLMS, M = 16 (reference python loop)')
case('nlms_5', [stage('e', 'nlms', params={'taps': 5, 'mu': 0.2, 'eps': 1e-3, 'referenceOffset': 32768}, aux={'reference': 'aux:ref'})],
     [('e', nlms(dsig, rr, 5, 0.2, 1e-3), F64(1e-9, 1e-9))], f_d, 'float64', (L, N), aux={'ref': (f_ref, 'uint16')},
     doc='NLMS, M = 5 (generic path)')
case('nlms_20', [stage('e', 'nlms', params={'taps': 20, 'mu': 0.7, 'eps': 1e-6, 'referenceOffset': 32768}, aux={'reference': 'aux:ref'})],
     [('e', nlms(dsig, rr, 20, 0.7, 1e-6), F64(1e-9, 1e-9))], f_d, 'float64', (L, N), aux={'ref': (f_ref, 'uint16')},
     doc='NLMS, M = 20 (generic path, pairwise sum with remainder)')

# ---------------------------------------------------------------- median / temporal / decimation / geometry / level
case('median', [
    stage('m33', 'median', params={'lines': 3, 'samples': 3}),
    stage('m15', 'median', params={'lines': 1, 'samples': 5}),
    stage('m53', 'median', params={'lines': 5, 'samples': 3}),
], [
    ('m33', ss.medfilt2d(x, [3, 3]), F64(0, 0)),
    ('m15', ss.medfilt2d(x, [1, 5]), F64(0, 0)),
    ('m53', ss.medfilt2d(x, [5, 3]), F64(0, 0)),
], f_x, 'float64', (L, N), doc='scipy.signal.medfilt2d (zero padding)')

K = 3
box = np.array([stack[max(0, f - K + 1):f + 1].mean(axis=0) for f in range(4)])
ema = []
y = None
for f in range(4):
    y = stack[f].copy() if y is None else 0.75 * y + 0.25 * stack[f]
    ema.append(y)
case('temporal_average', [
    stage('box', 'temporal-average', params={'mode': 'boxcar', 'frames': K}),
    stage('ema', 'temporal-average', params={'mode': 'exponential', 'alpha': 0.25}),
], [('box', box, F64(1e-12, 1e-12)), ('ema', np.array(ema), F64(1e-12, 1e-12))], f_stack, 'float64', (L, N), frames=4,
     doc='boxcar mean of the last 3 frames; exponential alpha = 0.25')


def block_mean(a, ol, os_, c0=0, c1=None):
    c1 = a.shape[1] if c1 is None else c1
    a = a[:, c0:c1]
    ls = (np.arange(ol) * a.shape[0]) // ol
    lc = np.diff(np.append(ls, a.shape[0])).astype(np.float64)
    A = np.add.reduceat(a, ls, axis=0) / lc[:, None]
    ss_ = (np.arange(os_) * a.shape[1]) // os_
    sc = np.diff(np.append(ss_, a.shape[1])).astype(np.float64)
    return np.add.reduceat(A, ss_, axis=1) / sc[None, :]


case('block_mean', [
    stage('b1', 'block-mean', params={'lines': 5, 'samples': 24}),
    stage('b2', 'block-mean', params={'lines': 4, 'samples': 16, 'sampleStart': 0, 'sampleEnd': 32}),
    stage('dec', 'decimate', params={'lineStep': 2, 'sampleStep': 3}),
], [
    ('b1', block_mean(x, 5, 24), F64(1e-12, 1e-12)),
    ('b2', block_mean(x, 4, 16, 0, 32), F64(1e-12, 1e-12)),
    ('dec', x[::2, ::3], F64(0, 0)),
], f_x, 'float64', (L, N), doc='variable block mean (np.add.reduceat), strided decimation')

LO, HI = 30.0, 70.0
dl = block_mean(xpos, 6, 20, 0, 40)
u8 = np.clip(np.floor((dl - LO) * (255.0 / (HI - LO)) + 0.5), 0, 255).astype(np.uint8)
u8b = np.clip(np.floor((xpos - LO) * (255.0 / (HI - LO)) + 0.5), 0, 255).astype(np.uint8)
case('level', [
    stage('s7', 'decimate-level', params={'lines': 6, 'samples': 20, 'sampleEnd': 40, 'lo': LO, 'hi': HI}),
    stage('wl', 'window-level', params={'lo': LO, 'hi': HI}),
    stage('wf', 'window-level', params={'lo': LO, 'hi': HI, 'output': 'float64'}),
], [
    ('s7', u8, {'maxLevelDiff': 0, 'maxFraction': 0}),
    ('s7.dec', dl, F64(1e-12, 1e-12)),
    ('wl', u8b, {'maxLevelDiff': 0, 'maxFraction': 0}),
    ('wf', np.clip((xpos - LO) / (HI - LO), 0, 1), F64(1e-12, 1e-12)),
], f_xpos, 'float64', (L, N), doc='S7-style decimation + window/level to uint8 (floor(v + 0.5), clip)')

case('geometry', [
    stage('c', 'crop', params={'lineStart': 1, 'lineEnd': 7, 'sampleStart': 5, 'sampleEnd': 40}),
    stage('fs', 'flip', params={'axis': 'samples'}),
    stage('fl', 'flip', params={'axis': 'lines'}),
    stage('fb', 'flip', params={'axis': 'both'}),
    stage('t', 'transpose'),
], [
    ('c', x[1:7, 5:40], F64(0, 0)), ('fs', x[:, ::-1], F64(0, 0)), ('fl', x[::-1, :], F64(0, 0)),
    ('fb', x[::-1, ::-1], F64(0, 0)), ('t', x.T, F64(0, 0)),
], f_x, 'float64', (L, N))

a0, a1 = int(0.75 * N), N
noise = xpos[:, a0:a1]
st = np.array([[xpos.mean(), xpos.std(), xpos.min(), xpos.max(), noise.std(),
                20 * np.log10((xpos.max() - noise.mean()) / noise.std())]])
case('stats', [stage('s', 'stats', params={'noiseStart': 0.75, 'noiseEnd': 1.0})],
     [('s', st, F64(1e-9, 1e-9))], f_xpos, 'float64', (L, N), doc='mean, std, min, max, noise std, SNR dB')

# ---------------------------------------------------------------- full reference cascade, small shape
RL, RN, OL, OS = 40, 64, 32, 16
n = np.arange(RN)
src = 18000.0 * np.exp(-0.5 * ((n - 33.0) / 16.0) ** 2) + 3000.0
ph = rng.uniform(0, 2 * np.pi, (RL, 1))
sig = 1200 * np.cos(2 * np.pi * 0.21 * n + ph) * src / src.max()
hph = rng.uniform(0, 2 * np.pi, (RL, 1))
p_ = src + sig + 320 * np.sin(2 * np.pi * 0.04 * n + hph + 0.7) + rng.normal(0, 25, (RL, RN))
r_ = 32768 + 6000 * np.sin(2 * np.pi * 0.04 * n + hph) + rng.normal(0, 40, (RL, RN))
rraw = np.clip(np.rint(p_), 0, 65535).astype(np.uint16)
rref = np.clip(np.rint(r_), 0, 65535).astype(np.uint16)
f_rraw = save('in_ref_raw_u16', rraw)
f_rref = save('in_ref_ref_u16', rref)
SOS = ss.butter(4, [0.05, 0.6], btype='bandpass', output='sos')
WIN = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(RN) / RN)
xr = rraw.astype(np.float64)
xr -= xr.mean(axis=0)
xw = xr * WIN
lm = 20.0 * np.log10(np.maximum(np.abs(np.fft.rfft(xw, axis=1)), 1e-3))
env = np.abs(ss.hilbert(xw, axis=1))
yb = ss.sosfilt(SOS, xr, axis=1)
e = nlms(yb, rref.astype(np.float64) - 32768, 16, 0.5, 1e-6)
dec = block_mean(lm[:, :2 * OS], OL, OS)
u8r = np.clip(np.floor((dec - 40.0) * (255.0 / 80.0) + 0.5), 0, 255).astype(np.uint8)
with open(os.path.join(os.path.dirname(__file__), '..', '..', 'resources', 'cascades', 'reference.json')) as fh:
    ref_spec = json.load(fh)
small_stages = json.loads(json.dumps(ref_spec['stages']))
for s in small_stages:
    s.pop('note', None)
    if s['id'] == 's7':
        s['params'].update({'sampleEnd': 2 * OS, 'lines': OL, 'samples': OS})
case('reference_small', small_stages, [
    ('s7', u8r, {'maxLevelDiff': 0, 'maxFraction': 0}),
    ('s1', xr, F64(1e-12, 1e-9)), ('s2', xw, F64(1e-12, 1e-9)), ('s3', lm, F64(1e-10, 1e-9)),
    ('s4', env, F64(1e-10, 1e-9)), ('s5', yb, F64(1e-10, 1e-8)), ('s6', e, F64(1e-9, 1e-7)),
    ('s7.dec', dec, F64(1e-10, 1e-9)),
], f_rraw, 'uint16', (RL, RN), aux={'ref': (f_rref, 'uint16')},
     doc='resources/cascades/reference.json S1-S7 with S7 sized for 40x64 (32x16 out)')

with open(os.path.join(OUT, 'cases.json'), 'w') as fh:
    json.dump(dict(generator='scripts/golden/make_golden.py', numpy=np.__version__, scipy=scipy.__version__,
                   cases=cases), fh, indent=1)
total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
print(f'wrote {len(cases)} cases, {len(written)} arrays, {total / 1024:.0f} KiB in {OUT}')
