/** Numeric window/level entry (centre, width) with "auto"; shows the problem with bad input. */
import { useEffect, useState } from 'react';
import { parseWlField, type WindowLevel } from '../display/window-level';

interface Props {
  value: WindowLevel | null;
  onChange: (wl: WindowLevel | null) => void;
  testid: string;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(4));

export function WlFields({ value, onChange, testid }: Props) {
  const [c, setC] = useState(value ? fmt(value.center) : '');
  const [w, setW] = useState(value ? fmt(value.width) : '');
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setC(value ? fmt(value.center) : '');
    setW(value ? fmt(value.width) : '');
  }, [value]);
  const apply = () => {
    try {
      onChange({ center: parseWlField('level', c), width: parseWlField('width', w) });
      setErr(null);
    } catch (e) {
      setErr(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <span className="wl" data-testid={testid}>
      <input aria-label="level" placeholder="level" value={c} onChange={(e) => setC(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && apply()} onBlur={() => c && w && apply()} />
      <input aria-label="width" placeholder="width" value={w} onChange={(e) => setW(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && apply()} onBlur={() => c && w && apply()} />
      <button className={value ? '' : 'on'} onClick={() => { setErr(null); onChange(null); }} title="use the frame's suggested range">auto</button>
      {err && <span className="error">{err}</span>}
    </span>
  );
}
