/**
 * The marketplace as the app uses it. A project's instructions are a `data:` URI the app writes
 * (`data:text/plain,<kind>;labels=<a>|<b>|…`, hashed into `instructions_hash`), so a tasker's page
 * knows the label set and whether items are text or images. A label's on-chain result is
 * sha256("label: <label>") (the contract takes a 64-hex hash of the off-chain result).
 * Secrets that must survive a reload (a tasker's salts until reveal, a vendor's gold seals) are kept
 * in localStorage per network and account, and can be downloaded.
 */
import { sha256Hex } from '../../packages/contract-clients/src/index';
import { config } from './config';

export type ItemKind = 'text' | 'image';

export function instructionsUri(kind: ItemKind, labels: string[]): string {
  return `data:text/plain,${kind};labels=${labels.map(encodeURIComponent).join('|')}`;
}

export function parseInstructions(uri: string): { kind: ItemKind; labels: string[] } | null {
  const match = /^data:text\/plain,(text|image);labels=(.+)$/.exec(uri);
  if (!match) return null;
  return { kind: match[1] as ItemKind, labels: match[2]!.split('|').map(decodeURIComponent) };
}

export const resultOf = (label: string): string => sha256Hex(`label: ${label}`);

/** The label whose result hash this is, among the project's labels. */
export const labelOf = (result: string | null, labels: string[]): string | null => (result === null ? null : (labels.find((l) => resultOf(l) === result) ?? null));

export function randomSalt(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function secrets<T>(kind: string, accountId: string) {
  const key = `near-app:${kind}:v1:${config.networkId}:${accountId}`;
  const all = (): Record<string, T> => {
    try {
      return (JSON.parse(localStorage.getItem(key) ?? '{}') as Record<string, T>) ?? {};
    } catch {
      return {};
    }
  };
  return {
    all,
    get: (id: string): T | undefined => all()[id],
    set: (id: string, value: T) => localStorage.setItem(key, JSON.stringify({ ...all(), [id]: value })),
    /** Merges an exported file back (entries already here are kept); returns how many were added. */
    importJson: (text: string): number => {
      const incoming = JSON.parse(text) as Record<string, T>;
      if (typeof incoming !== 'object' || incoming === null || Array.isArray(incoming)) throw new Error('the file is not an exported salts file');
      const current = all();
      const added = Object.keys(incoming).filter((id) => !(id in current));
      localStorage.setItem(key, JSON.stringify({ ...incoming, ...current }));
      return added.length;
    },
    download: (filename: string) => {
      const blob = new Blob([JSON.stringify(all(), null, 2)], { type: 'application/json' });
      const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: filename });
      link.click();
      URL.revokeObjectURL(link.href);
    },
  };
}

/** A tasker's commitment secret for one item ("<project>:<index>"), kept until the reveal. */
export interface Commitment {
  label: string;
  result: string;
  salt: string;
}
export const commitments = (accountId: string) => secrets<Commitment>('commitments', accountId);

/** A vendor's gold seal for one item ("<project>:<index>"): the expected label and the salt. */
export interface GoldSeal {
  label: string;
  expected: string;
  salt: string;
}
export const goldSeals = (accountId: string) => secrets<GoldSeal>('gold-seals', accountId);

export const itemKey = (projectId: number, index: number) => `${projectId}:${index}`;

export const NS_PER = { minute: 60n * 10n ** 9n, hour: 3_600n * 10n ** 9n, day: 86_400n * 10n ** 9n };

/** "2 h", "3 days" */
export function formatDuration(ns: bigint): string {
  if (ns % NS_PER.day === 0n) return `${ns / NS_PER.day} day${ns === NS_PER.day ? '' : 's'}`;
  if (ns % NS_PER.hour === 0n) return `${ns / NS_PER.hour} h`;
  return `${ns / NS_PER.minute} min`;
}
