export type Column = { key: string; label: string; width: string; align?: 'end' | 'start' };
export type Page<R> = { total: number; rows: R[] };
