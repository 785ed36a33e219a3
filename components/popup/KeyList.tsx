import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { RotationPolicy } from '../../lib/rotation/schedule';
import { ProtocolError } from '../../lib/send';
import type { ListRow } from '../../lib/vault/list-cache';
import type { Send } from '../api';
import { describeError } from '../errors';
import { KeyRow } from './KeyRow';
import {
  apiKeysUrl,
  filterItems,
  haystackOf,
  type KeyItem,
  ROW_HEIGHT,
  rowAt,
  rowOffsets,
  toItems,
} from './keys';

/** What the unlocked popup shows; `null` while it is still being fetched. */
export interface KeyListData {
  /** The list's rows: from the session cache at first, then as the background answers. */
  entries: readonly ListRow[];
  /**
   * Set while `entries` are only the first rows of the list (its head, from the session cache): how many
   * rows the whole list has. The rest arrives a moment later.
   */
  count?: number | undefined;
  /** The rotation policy the badges follow (from the settings). */
  policy: RotationPolicy;
}

export interface KeyListProps {
  data: KeyListData | null;
  send: Send;
  /** Opens a URL in a new tab (`browser.tabs.create`); without it the link's own navigation is used. */
  openTab?: ((url: string) => unknown) | undefined;
  /** The clock for badges (tests pin it). */
  now: () => number;
  /** The vault turned out to be locked (auto-lock while the popup was open). */
  onLocked: () => void;
  /** Called once, right after the loaded list is rendered and the search box focused. */
  onReady?: (() => void) | undefined;
  /** A guided rotation was started (the popup's checklist section re-reads). */
  onRotationStarted?: (() => void) | undefined;
  /**
   * Grey placeholder rows while `data` is null (the default). Off when the rows are a storage read away
   * (the popup's list cache): they come before the first frame, and the first render stays small — the
   * search box's focus lays that render out, and the fewer nodes the sooner the list is ready.
   */
  skeleton?: boolean;
}

const SKELETON_ROWS = 6;
const PAGE = 5;
/** Rows rendered above and below the visible ones, so a fast scroll does not show gaps. */
const OVERSCAN = 6;
/** The scroll box's inner height in theme.css; used until it is measured (and where there is no layout). */
const DEFAULT_VIEWPORT = 370;

/**
 * The unlocked popup: a search box that keeps the focus and drives a list of keys. The box points at the
 * chosen item with `aria-activedescendant` (it controls the list; the item is `aria-current`), so typing,
 * arrows, Enter and Esc all work without leaving it; the items' own buttons are there for the mouse and for
 * Tab.
 *
 * The list is windowed: items have known heights, only those in view (plus a margin, plus the chosen one)
 * are in the DOM, and `aria-setsize`/`aria-posinset` tell assistive technology the full size. Rendering
 * all 1,000 items took 300 ms here; the popup's budget is 100 ms from opening.
 */
export function KeyList({
  data,
  send,
  openTab,
  now,
  onLocked,
  onReady,
  onRotationStarted,
  skeleton = true,
}: KeyListProps) {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(DEFAULT_VIEWPORT);
  // Created after the first paint: a NumberFormat costs ~25 ms in a fresh page (ICU data); the count line
  // waits for it (one frame), so it changes, and is announced, once.
  const [numbers, setNumbers] = useState<Intl.NumberFormat | null>(null);
  // The first screen shows the visible rows only; the rows around them (for a fast scroll) come once it is
  // painted, so the list is ready sooner.
  const [painted, setPainted] = useState(false);
  const search = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const ready = useRef(false);
  /** Set when a key press in the list moves the selection: the focus follows to the same control. */
  const focusFollows = useRef<'copy' | 'open' | null>(null);
  const scrollToSelected = useRef(false);
  const base = useId();
  const listId = `${base}-list`;
  const hintId = `${base}-hint`;
  const rowId = (item: KeyItem) => `${base}-k-${item.entry.id}`;

  const items = useMemo(
    () => (data ? toItems(data.entries, data.policy, now()) : []),
    // `now` is read once per load: badges do not change while the popup is open.
    [data],
  );
  // Folded search text is only built when the user first types, so opening the popup does not pay for it.
  const haystacks = useMemo(() => ({ current: null as string[] | null }), [items]);
  const filtered = useMemo(() => {
    if (!query.trim()) return items;
    haystacks.current ??= items.map((i) => haystackOf(i.entry));
    return filterItems(items, haystacks.current, query);
  }, [items, haystacks, query]);
  const offsets = useMemo(() => rowOffsets(filtered), [filtered]);
  const at = Math.max(0, Math.min(selected, filtered.length - 1));
  const current = filtered[at];

  // Latest values for the stable row callbacks (rows only re-render when their own props change).
  const latest = useRef({ filtered, send, openTab, onLocked, onRotationStarted });
  latest.current = { filtered, send, openTab, onLocked, onRotationStarted };

  const copy = useCallback(async (item: KeyItem) => {
    const { filtered: list, send: sendNow, onLocked: locked } = latest.current;
    const index = list.indexOf(item);
    if (index >= 0) setSelected(index);
    // Emptied first so copying twice announces twice.
    setMessage('');
    setError('');
    try {
      const { clearAfterSeconds } = await sendNow('entry.copy', { id: item.entry.id });
      setMessage(clearAfterSeconds > 0 ? t('copiedClears', clearAfterSeconds) : t('copied'));
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'locked') return locked();
      setError(describeError(e));
    }
  }, []);

  const open = useCallback((item: KeyItem, event: MouseEvent) => {
    const { filtered: list, openTab: openNow } = latest.current;
    const index = list.indexOf(item);
    if (index >= 0) setSelected(index);
    if (!openNow) return;
    event.preventDefault();
    try {
      void Promise.resolve(openNow(apiKeysUrl(item.entry.host))).catch((e: unknown) =>
        setError(describeError(e)),
      );
    } catch (e) {
      setError(describeError(e));
    }
  }, []);

  /** Rotate: start the guided rotation, then open the key's DocBits page where it continues. */
  const rotate = useCallback(async (item: KeyItem) => {
    const { send: sendNow, openTab: openNow, onLocked: locked, onRotationStarted: started } = latest.current;
    setError('');
    try {
      const view = await sendNow('rotation.start', { id: item.entry.id });
      started?.();
      await openNow?.(apiKeysUrl(view.host));
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'locked') return locked();
      setError(describeError(e));
    }
  }, []);

  useLayoutEffect(() => {
    search.current?.focus();
  }, []);

  useEffect(() => {
    if (data && !numbers) setNumbers(new Intl.NumberFormat());
    if (data) setPainted(true);
  }, [data]);

  // No layout is forced here (no measuring, no second focus): the browser lays the list out once, for the
  // first paint. The box's height is known from theme.css and measured on the first scroll.
  useLayoutEffect(() => {
    if (!data || ready.current) return;
    ready.current = true;
    if (document.activeElement !== search.current) search.current?.focus();
    onReady?.();
  }, [data]);

  // Keyboard moves bring the chosen item into view, and the focus along when it was in the list.
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!current) return;
    if (scrollToSelected.current && box) {
      scrollToSelected.current = false;
      const top = offsets[at] ?? 0;
      const bottom = offsets[at + 1] ?? top;
      const height = box.clientHeight || viewport;
      if (top < box.scrollTop) box.scrollTop = top;
      else if (bottom > box.scrollTop + height) box.scrollTop = bottom - height;
      if (box.scrollTop !== scrollTop) setScrollTop(box.scrollTop);
    }
    const follow = focusFollows.current;
    focusFollows.current = null;
    if (follow) document.getElementById(rowId(current))?.querySelector<HTMLElement>(`.${follow}`)?.focus();
  }, [current]);

  const resetScroll = () => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  };

  const move = (to: number) => {
    if (filtered.length === 0) return;
    scrollToSelected.current = true;
    setSelected(Math.max(0, Math.min(filtered.length - 1, to)));
  };

  /** Shared by the search box and the list; returns true when it handled the key. */
  const navigate = (e: KeyboardEvent): boolean => {
    switch (e.key) {
      case 'ArrowDown':
        move(at + 1);
        return true;
      case 'ArrowUp':
        move(at - 1);
        return true;
      case 'PageDown':
        move(at + PAGE);
        return true;
      case 'PageUp':
        move(at - PAGE);
        return true;
      case 'Escape':
        // With a query, Esc clears it (and must not close the popup); without one, Esc is the browser's.
        if (!query) return false;
        setQuery('');
        setSelected(0);
        resetScroll();
        search.current?.focus();
        return true;
      default:
        return false;
    }
  };

  const onSearchKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (current) void copy(current);
      return;
    }
    if (navigate(e)) {
      e.preventDefault();
      e.stopPropagation();
    }
  };

  const onListKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    const kind = target?.classList.contains('open') ? 'open' : 'copy';
    if (e.key !== 'Escape') focusFollows.current = kind;
    if (navigate(e)) {
      e.preventDefault();
      e.stopPropagation();
    } else focusFollows.current = null;
  };

  // The window: rows overlapping the visible band, a margin either side, and always the chosen row (the
  // search box's active descendant must exist).
  const overscan = painted ? OVERSCAN : 0;
  const first = Math.max(0, rowAt(offsets, scrollTop) - overscan);
  const last = Math.min(filtered.length, rowAt(offsets, scrollTop + viewport) + 1 + overscan);
  const shown: number[] = [];
  if (current && at < first) shown.push(at);
  for (let i = first; i < last; i++) shown.push(i);
  if (current && at >= last) shown.push(at);

  const total = data?.count ?? items.length;
  // While only the head is here, the list's size and scroll height are those of the whole list (rows not
  // here yet are counted at the usual row height until they arrive).
  const partial = data?.count !== undefined && !query.trim();
  const size = partial ? total : filtered.length;
  const height = (offsets[filtered.length] ?? 0) + (partial ? (total - filtered.length) * ROW_HEIGHT : 0);
  const count = (n: number) => numbers?.format(n) ?? String(n);
  const loading = data === null;

  return (
    <section class="keys" aria-busy={loading ? 'true' : 'false'}>
      <div class="field search">
        <label for={`${base}-search`} class="visually-hidden">
          {t('popupSearchKeys')}
        </label>
        <input
          id={`${base}-search`}
          ref={search}
          type="search"
          placeholder={t('popupSearchKeys')}
          autoComplete="off"
          spellcheck={false}
          value={query}
          aria-controls={listId}
          aria-activedescendant={current ? rowId(current) : undefined}
          aria-describedby={hintId}
          onInput={(e) => {
            setQuery((e.currentTarget as HTMLInputElement).value);
            setSelected(0);
            resetScroll();
          }}
          onKeyDown={onSearchKey}
        />
        <span id={hintId} class="visually-hidden">
          {t('popupSearchHint')}
        </span>
      </div>
      <div
        class="key-scroll"
        ref={scroller}
        onScroll={(e) => {
          const box = e.currentTarget as HTMLDivElement;
          if (box.clientHeight) setViewport(box.clientHeight);
          setScrollTop(box.scrollTop);
        }}
      >
        {loading ? (
          skeleton && (
            <div class="skeleton" aria-hidden="true">
              {Array.from({ length: SKELETON_ROWS }, (_, i) => (
                <div key={i} class="key-row">
                  <span class="bone" />
                  <span class="bone short" />
                </div>
              ))}
            </div>
          )
        ) : (
          <ul id={listId} aria-label={t('popupKeys')} style={{ height: `${height}px` }} onKeyDown={onListKey}>
            {shown.map((i) => {
              const item = filtered[i] as KeyItem;
              return (
                <KeyRow
                  key={item.entry.id}
                  item={item}
                  rowId={rowId(item)}
                  index={i}
                  count={size}
                  top={offsets[i] ?? 0}
                  selected={i === at}
                  onCopy={copy}
                  onOpen={open}
                  onRotate={rotate}
                />
              );
            })}
          </ul>
        )}
        {!loading && total === 0 && <p class="hint empty">{t('popupNoKeys')}</p>}
        {!loading && total > 0 && filtered.length === 0 && <p class="hint empty">{t('popupNoMatch')}</p>}
      </div>
      <p class="count" aria-live="polite">
        {loading || !numbers
          ? t('popupLoadingKeys')
          : query.trim()
            ? t('popupMatchCount', count(filtered.length), count(total))
            : t('unlockedSummary', count(total))}
      </p>
      <p class="copied" role="status">
        {message}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
