import { Component } from 'preact';
import { tOnce, tOnceWith } from '../../lib/i18n';
import { apiKeysUrl, BADGE_TONE, badgeText, environmentText, type KeyItem, shownPrefix } from './keys';

export interface KeyRowProps {
  item: KeyItem;
  /** The DOM id of the row (the search box's active descendant when selected). */
  rowId: string;
  selected: boolean;
  /** Position in the (filtered) list, from 0, the list's length, and the row's top offset in the window. */
  index: number;
  count: number;
  top: number;
  onCopy: (item: KeyItem) => void;
  onOpen: (item: KeyItem, event: MouseEvent) => void;
  /** Starts a guided rotation (active entries only). */
  onRotate?: ((item: KeyItem) => void) | undefined;
}

/**
 * One key in the popup's list: what it is (name, organisation · host · environment · prefix, badges) and
 * its two actions. Only the selected row's controls are in the tab order, so Tab goes from the search box
 * to the chosen key instead of through 2,000 buttons.
 *
 * A class with `shouldComponentUpdate` so moving the selection or scrolling re-renders only the rows that
 * change. The row's height is fixed by whether it has badges (see `rowHeight`): the list is windowed.
 * The icon-only controls are named by `aria-label` (an accessible name replaces their content, so the
 * icon is not read): no wrapper elements for the icon or a hidden text, since every element of a row
 * counts when the popup's first screen is built.
 */
export class KeyRow extends Component<KeyRowProps> {
  override shouldComponentUpdate(next: KeyRowProps): boolean {
    const p = this.props;
    return (
      next.item !== p.item ||
      next.selected !== p.selected ||
      next.rowId !== p.rowId ||
      next.index !== p.index ||
      next.count !== p.count ||
      next.top !== p.top ||
      next.onCopy !== p.onCopy ||
      next.onOpen !== p.onOpen ||
      next.onRotate !== p.onRotate
    );
  }

  override render() {
    const { item, rowId, selected, index, count, top, onCopy, onOpen, onRotate } = this.props;
    const { entry, badges } = item;
    const prefix = shownPrefix(entry.prefix);
    const tab = selected ? 0 : -1;
    return (
      <li
        id={rowId}
        class={`key-row${badges.length > 0 ? ' tall' : ''}${item.retired ? ' retired' : ''}`}
        style={{ top: `${top}px` }}
        aria-posinset={index + 1}
        aria-setsize={count}
        aria-current={selected ? 'true' : undefined}
      >
        <div class="key-info">
          <span class="key-title">
            <span class="key-name">{entry.name}</span>
            {prefix && <code class="key-prefix">{prefix}</code>}
          </span>
          <span class="key-meta">
            {entry.orgId ? `${entry.orgId} · ` : ''}
            {entry.host} · {environmentText(entry.environment)}
          </span>
          {badges.length > 0 && (
            <span class="badges">
              {badges.map((b) => (
                <span key={b} class={`badge ${BADGE_TONE[b]}`}>
                  {badgeText(b)}
                </span>
              ))}
            </span>
          )}
        </div>
        <div class="key-actions">
          <button
            type="button"
            class="copy"
            tabIndex={tab}
            aria-label={tOnceWith('popupCopyName', entry.name)}
            onClick={() => onCopy(item)}
          >
            {tOnce('popupCopy')}
          </button>
          {onRotate && entry.state === 'active' && (
            <button
              type="button"
              class="rotate"
              tabIndex={tab}
              aria-label={tOnceWith('rotRotateName', entry.name)}
              title={tOnce('rotRotate')}
              onClick={() => onRotate(item)}
            >
              ⟳
            </button>
          )}
          <a
            class="open"
            href={apiKeysUrl(entry.host)}
            target="_blank"
            rel="noopener noreferrer"
            tabIndex={tab}
            aria-label={tOnce('popupOpenDocbits')}
            title={tOnce('popupOpenDocbits')}
            onClick={(e) => onOpen(item, e)}
          >
            ↗
          </a>
        </div>
      </li>
    );
  }
}
