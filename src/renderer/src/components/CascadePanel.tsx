/**
 * The selected channel's cascade: stages with their recent per-stage ms, parameters editable live
 * (each change is sent to the engine, which validates it; its error is shown and the old cascade
 * keeps running), presets from resources/cascades/ and cascades from a local JSON file.
 */
import { useEffect, useRef, useState } from 'react';
import type { CascadeState, PresetInfo, SpeculaBridge } from '../../../shared/bridge';
import type { CascadeSpec, StageSpec } from '../../../shared/cascade-spec';
import { useUi } from '../state/ui-store';

type ParamValue = string | number | boolean;

/** Parse one edited parameter back to the type it had (numbers stay numbers). */
export function parseParam(old: unknown, text: string): unknown {
  if (typeof old === 'number') {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new RangeError(`"${text}" is not a number`);
    return v;
  }
  if (typeof old === 'boolean') return text === 'true';
  if (typeof old === 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new RangeError(`"${text}" is not valid JSON`);
  }
}

function withParam(spec: CascadeSpec, stageIdx: number, key: string, value: unknown): CascadeSpec {
  return { ...spec, stages: spec.stages.map((s, i) => (i === stageIdx ? { ...s, params: { ...(s.params ?? {}), [key]: value } } : s)) };
}

export function CascadePanel({ bridge }: { bridge: SpeculaBridge }) {
  const ch = useUi((s) => s.selected ?? s.channels[0]?.channel ?? null);
  const [state, setState] = useState<CascadeState | null>(null);
  const [draft, setDraft] = useState<CascadeSpec | null>(null);
  const [presets, setPresets] = useState<PresetInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [allChannels, setAllChannels] = useState(false);
  const liveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    bridge.call('presets.list', {}).then(setPresets, (e) => setError(String(e?.message ?? e)));
  }, [bridge]);

  useEffect(() => {
    if (ch === null) return;
    let stop = false;
    const load = (first: boolean) =>
      bridge.call('cascade.get', { channel: ch }).then(
        (st) => {
          if (stop) return;
          setState(st);
          if (first) setDraft(st.spec);
        },
        (e) => first && setError(String(e?.message ?? e)),
      );
    void load(true);
    const t = setInterval(() => void load(false), 1000); // per-stage ms refresh
    const off = bridge.on('cascade', (st) => st.channel === ch && setState(st));
    return () => {
      stop = true;
      clearInterval(t);
      off();
    };
  }, [bridge, ch]);

  const apply = (spec: CascadeSpec) => {
    if (ch === null) return;
    setNote(null);
    bridge.call('cascade.set', { channels: allChannels ? undefined : [ch], spec }).then(
      (r) => {
        setError(null);
        setNote(`applied to ${r.applied.length} channel(s)`);
      },
      (e) => setError(`engine refused the cascade: ${e?.message ?? e}`),
    );
  };

  const editParam = (i: number, key: string, old: unknown, text: string) => {
    if (!draft) return;
    let v: unknown;
    try {
      v = parseParam(old, text);
    } catch (e) {
      setError(`${draft.stages[i].id}.${key}: ${(e as Error).message}`);
      return;
    }
    const next = withParam(draft, i, key, v);
    setDraft(next);
    if (live) {
      if (liveTimer.current) clearTimeout(liveTimer.current);
      liveTimer.current = setTimeout(() => apply(next), 300);
    }
  };

  const loadPreset = (name: string) =>
    bridge.call('presets.get', { name }).then(
      (spec) => {
        setDraft(spec);
        setError(null);
        setNote(`preset "${name}" loaded — Apply to run it`);
      },
      (e) => setError(String(e?.message ?? e)),
    );

  const loadFile = (f: File) => {
    f.text().then((t) => {
      try {
        const spec = JSON.parse(t) as CascadeSpec;
        if (!spec || typeof spec !== 'object' || !Array.isArray(spec.stages)) throw new Error('not a cascade: "stages" must be an array');
        setDraft(spec);
        setError(null);
        setNote(`${f.name} loaded — Apply to run it`);
      } catch (e) {
        setError(`${f.name}: ${(e as Error).message}`);
      }
    });
  };

  if (ch === null) return <section className="panel"><h3>Cascade</h3><p className="dim">No channel.</p></section>;
  return (
    <section className="panel cascade-panel" data-testid="cascade-panel">
      <h3>Cascade · channel {ch} <span className="dim">{draft?.name}</span></h3>
      <div className="row">
        <select data-testid="preset-select" defaultValue="" onChange={(e) => e.target.value && loadPreset(e.target.value)}>
          <option value="">preset…</option>
          {presets.map((p) => <option key={p.name} value={p.name}>{p.title || p.name}</option>)}
        </select>
        <label className="file">from file… <input type="file" accept=".json,application/json" onChange={(e) => e.target.files?.[0] && loadFile(e.target.files[0])} /></label>
      </div>
      <div className="row">
        <label><input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> live</label>
        <label><input type="checkbox" checked={allChannels} onChange={(e) => setAllChannels(e.target.checked)} /> all channels</label>
        <button data-testid="cascade-apply" onClick={() => draft && apply(draft)}>Apply</button>
        <button onClick={() => state && setDraft(state.spec)}>Revert</button>
      </div>
      {error && <div className="error" data-testid="cascade-error">{error}</div>}
      {note && !error && <div className="dim">{note}</div>}
      <ol className="stages">
        {draft?.stages.map((s: StageSpec, i) => (
          <li key={s.id}>
            <div className="stage-head">
              <b>{s.id}</b> {s.type} <span className="dim">← {s.input}</span>
              <span className="ms">{state?.stageMs[s.id] !== undefined ? `${state.stageMs[s.id].toFixed(2)} ms` : ''}</span>
            </div>
            {Object.entries(s.params ?? {}).map(([k, v]) => (
              <label key={k} className="param">
                <span>{k}</span>
                {typeof v === 'boolean' ? (
                  <input type="checkbox" checked={v} onChange={(e) => editParam(i, k, v, String(e.target.checked))} />
                ) : (
                  <input
                    data-testid={`param-${s.id}-${k}`}
                    defaultValue={typeof v === 'object' ? JSON.stringify(v) : String(v as ParamValue)}
                    key={`${draft.name}-${s.id}-${k}-${JSON.stringify(v)}`}
                    onKeyDown={(e) => e.key === 'Enter' && editParam(i, k, v, (e.target as HTMLInputElement).value)}
                    onBlur={(e) => e.target.value !== (typeof v === 'object' ? JSON.stringify(v) : String(v)) && editParam(i, k, v, e.target.value)}
                  />
                )}
              </label>
            ))}
          </li>
        ))}
      </ol>
    </section>
  );
}
