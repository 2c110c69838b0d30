// Which pages of the arena are free, and the leftmost first fit over them.
// A bitmap per chunk (bit set = page free) is summarised by two segment
// trees of (prefix, suffix, max) free-run lengths: a chunk tree over the
// chunk's bitmap words, and a top tree over chunks. A leftmost first fit of
// n pages is one descent, O(log pages), however fragmented the arena is.
// Chunks not mapped yet count as free in the top tree, so the first fit
// already says how far the arena must grow (heap.ts maps it); pages past
// the heap limit count as used.
//
// In front of the descent sits a search hint, searchPage: every page below
// it is in use. Stacks are taken and given back near the bottom of the
// arena, so the lowest fit is usually within a word or two of the hint;
// firstFit reads at most HINT_SCAN_WORDS bitmap words from there and only
// descends the trees when they hold no fit. The hint only moves up past
// pages seen in use, and moves down to any page that is freed.
//
// The trees are brought up to date lazily. markPages writes the bitmap at
// once but only notes which words changed (a dirty mask per chunk, and a
// list of the chunks holding one); flushSummaries redoes those leaves and
// their paths, leaving exactly the trees eager updates would have left, as
// a tree's nodes follow from its leaves alone. Only two readers need them:
// firstFit's descent, after the hint scan found nothing, and
// longestFreeRun. hasFreeRun answers most out-of-memory checks without
// either, because the unmapped pages below the limit are one free run. A
// span freed and taken again before the next flush (a pool span going
// back and forth) then costs two bitmap writes and no tree walk.
//
// Top tree node (12 bytes), over a run of `len` pages:
// +0 u32 prefix   free pages at the start
// +4 u32 suffix   free pages at the end
// +8 u32 max      longest free run inside
//
// Chunk tree node (8 bytes), the same three counts packed in one u64 so a
// node is one load and one store; a chunk has 8192 pages, so 16 bits each:
//   bits  0..15  prefix
//   bits 16..31  suffix
//   bits 32..47  max
//   bits 48..63  zero
//
// Trees are stored heap-style: node 1 is the root, node i has children
// 2i and 2i + 1, leaves are nodes LEAVES .. 2 * LEAVES - 1. Node 0 of a
// chunk tree is not a tree node; it holds the chunk's dirty mask, one bit
// per DIRTY_BIT_WORDS bitmap words (two: 128 words, 64 bits).

import {
  CHUNK_NODE_BYTES, CHUNK_PAGES, CHUNK_PAGES_SHIFT, CHUNK_PAGE_MASK,
  CHUNK_TREE_OFF, CHUNK_WORDS, NODE_BYTES, WORD_PAGES, WORD_PAGES_SHIFT,
  chunkMeta,
} from "./layout";
import {
  LIMIT_CHUNKS, LIMIT_PAGES, MAPPED_CHUNKS, MAPPED_PAGES, TOP_TREE,
  TREE_LEAVES, globalU32,
} from "./globals";
import { reserveBytes } from "./memory";
import { ABLATE_HEADROOM, ablated } from "./ablations";

/** Returned by firstFit when no run is long enough. */
export const NO_FIT: u32 = 0xffffffff;

/**
 * Bitmap words firstFit reads from the hint before it falls back to the
 * trees. Small, so a hint stuck below a hole too short for the request
 * costs a few loads, not a scan of the arena.
 */
const HINT_SCAN_WORDS: u32 = 4;

/** Every page below this one is in use (see the header). */
let searchPage: u32 = 0;

/**
 * Chunk-tree node 0 is outside the tree (the root is node 1), so it holds
 * the chunk's dirty mask: bit i set = the leaves of bitmap words
 * i * DIRTY_BIT_WORDS and up may not match their words.
 */
const DIRTY_NODE: u32 = 0;
/** A mask is one u64: 1 << 6 bits. */
const DIRTY_MASK_BITS_SHIFT: u32 = 6;
/** Bitmap words per mask bit, as a shift: a chunk's words over 64 bits. */
const DIRTY_WORDS_SHIFT: u32 =
  CHUNK_PAGES_SHIFT - WORD_PAGES_SHIFT - DIRTY_MASK_BITS_SHIFT;
const DIRTY_BIT_WORDS: u32 = 1 << DIRTY_WORDS_SHIFT;

/**
 * The chunks whose dirty mask is not zero, each once, in the order they
 * became dirty: dirtyChunkCount u32 chunk numbers at dirtyChunksAddr, room
 * for every chunk below the limit. Every other chunk agrees with its
 * bitmap, and so does its top leaf, so a flush visits only these (a range
 * of chunk numbers would make a flush walk every chunk between two far
 * apart ones).
 */
let dirtyChunksAddr: usize = 0;
let dirtyChunkCount: u32 = 0;

// Top-tree nodes: three u32 fields at +0, +4, +8.

// @ts-ignore: decorator
@inline function nodeAddr(tree: usize, node: u32): usize {
  return tree + (node as usize) * NODE_BYTES;
}
// @ts-ignore: decorator
@inline function prefixOf(node: usize): u32 { return load<u32>(node); }
// @ts-ignore: decorator
@inline function suffixOf(node: usize): u32 { return load<u32>(node, 4); }
// @ts-ignore: decorator
@inline function maxOf(node: usize): u32 { return load<u32>(node, 8); }
// @ts-ignore: decorator
@inline function setNode(node: usize, prefix: u32, suffix: u32, max: u32): void {
  store<u32>(node, prefix);
  store<u32>(node, suffix, 4);
  store<u32>(node, max, 8);
}

// @ts-ignore: decorator
@inline function nodeIs(node: usize, prefix: u32, suffix: u32, max: u32): bool {
  return prefixOf(node) == prefix && suffixOf(node) == suffix && maxOf(node) == max;
}

// How two children of `childLen` pages each make their parent's summary,
// shared by both trees and both node formats.

/**
 * The parent's free run at one end: the near child's, running on into
 * the far child when the near child is free throughout.
 */
// @ts-ignore: decorator
@inline function joinedEnd(nearRun: u32, farRun: u32, childLen: u32): u32 {
  return nearRun == childLen ? childLen + farRun : nearRun;
}

/** The parent's longest run: either child's, or the one across the middle. */
// @ts-ignore: decorator
@inline function joinedMax(leftSuffix: u32, rightPrefix: u32, leftMax: u32,
  rightMax: u32): u32 {
  let max = leftSuffix + rightPrefix;
  if (leftMax > max) max = leftMax;
  if (rightMax > max) max = rightMax;
  return max;
}

/**
 * Summary of two children of `childLen` pages each.
 * @returns whether the node's summary changed
 */
function combine(tree: usize, node: u32, childLen: u32): bool {
  const left = nodeAddr(tree, node << 1);
  const right = nodeAddr(tree, (node << 1) + 1);
  const ls = suffixOf(left);
  const rp = prefixOf(right);
  const prefix = joinedEnd(prefixOf(left), rp, childLen);
  const suffix = joinedEnd(suffixOf(right), ls, childLen);
  const max = joinedMax(ls, rp, maxOf(left), maxOf(right));
  const at = nodeAddr(tree, node);
  if (nodeIs(at, prefix, suffix, max)) return false;
  setNode(at, prefix, suffix, max);
  return true;
}

/**
 * Recomputes the top-tree ancestors of leaves first..last (tree
 * numbering). Every node outside those paths already agrees with its
 * children (fresh trees are all zero, which agrees too), so once a whole
 * level comes out unchanged, nothing above it can change and the walk
 * stops.
 */
function updateAncestors(tree: usize, first: u32, last: u32, leafLen: u32): void {
  let lo = first >> 1;
  let hi = last >> 1;
  let childLen = leafLen;
  while (lo >= 1) {
    let changed = false;
    for (let node = lo; node <= hi; node++) {
      if (combine(tree, node, childLen)) changed = true;
    }
    if (!changed) return;
    lo >>= 1;
    hi >>= 1;
    childLen <<= 1;
  }
}

/**
 * Sets one top-tree leaf and walks its single path up, stopping at the
 * first ancestor that comes out unchanged. The sibling at each level is
 * read once; the child's new summary is already in locals.
 */
function setTopLeaf(tree: usize, leaf: u32, prefix: u32, suffix: u32, max: u32): void {
  let at = nodeAddr(tree, leaf);
  if (nodeIs(at, prefix, suffix, max)) return;
  setNode(at, prefix, suffix, max);
  let node = leaf;
  let childLen = CHUNK_PAGES;
  while (node > 1) {
    const sibling = nodeAddr(tree, node ^ 1);
    const sp = prefixOf(sibling);
    const ss = suffixOf(sibling);
    const sm = maxOf(sibling);
    // Name the two children left and right whichever one we came from,
    // with selects, as setChunkLeaf does.
    const isRight = (node & 1) != 0;
    const lp = select<u32>(sp, prefix, isRight);
    const ls = select<u32>(ss, suffix, isRight);
    const rp = select<u32>(prefix, sp, isRight);
    const rs = select<u32>(suffix, ss, isRight);
    // The maxima's order does not matter, so no select for them.
    max = joinedMax(ls, rp, sm, max);
    prefix = joinedEnd(lp, rp, childLen);
    suffix = joinedEnd(rs, ls, childLen);
    node >>= 1;
    at = nodeAddr(tree, node);
    if (nodeIs(at, prefix, suffix, max)) return;
    setNode(at, prefix, suffix, max);
    childLen <<= 1;
  }
}

// Chunk-tree nodes: one packed u64 each.

const FIELD_MASK: u64 = 0xffff;

// @ts-ignore: decorator
@inline function packedAddr(tree: usize, node: u32): usize {
  return tree + (node as usize) * CHUNK_NODE_BYTES;
}
// @ts-ignore: decorator
@inline function packedPrefix(node: u64): u32 { return <u32>(node & FIELD_MASK); }
// @ts-ignore: decorator
@inline function packedSuffix(node: u64): u32 { return <u32>((node >> 16) & FIELD_MASK); }
// @ts-ignore: decorator
@inline function packedMax(node: u64): u32 { return <u32>(node >> 32); }
// @ts-ignore: decorator
@inline function pack(prefix: u32, suffix: u32, max: u32): u64 {
  return (prefix as u64) | ((suffix as u64) << 16) | ((max as u64) << 32);
}

/** Summary of two packed children of `childLen` pages each. */
// @ts-ignore: decorator
@inline function joinPacked(left: u64, right: u64, childLen: u32): u64 {
  const ls = packedSuffix(left);
  const rp = packedPrefix(right);
  return pack(joinedEnd(packedPrefix(left), rp, childLen),
    joinedEnd(packedSuffix(right), ls, childLen),
    joinedMax(ls, rp, packedMax(left), packedMax(right)));
}

/**
 * Recomputes the chunk-tree ancestors of leaves first..last, level by
 * level, stopping at the first level that comes out unchanged (as
 * updateAncestors does for the top tree).
 */
function updateChunkRange(tree: usize, first: u32, last: u32): void {
  let lo = first >> 1;
  let hi = last >> 1;
  let childLen = WORD_PAGES;
  while (lo >= 1) {
    let changed = false;
    for (let node = lo; node <= hi; node++) {
      const joined = joinPacked(load<u64>(packedAddr(tree, node << 1)),
        load<u64>(packedAddr(tree, (node << 1) + 1)), childLen);
      const at = packedAddr(tree, node);
      if (load<u64>(at) != joined) {
        store<u64>(at, joined);
        changed = true;
      }
    }
    if (!changed) return;
    lo >>= 1;
    hi >>= 1;
    childLen <<= 1;
  }
}

/**
 * Sets one chunk-tree leaf and walks its single path up, stopping at the
 * first ancestor that comes out unchanged: two loads a level (sibling and
 * old parent), the child's new value is already in a local.
 * @returns whether the root changed
 */
function setChunkLeaf(tree: usize, leaf: u32, value: u64): bool {
  let at = packedAddr(tree, leaf);
  if (load<u64>(at) == value) return false;
  store<u64>(at, value);
  let node = leaf;
  let childLen = WORD_PAGES;
  while (node > 1) {
    const sibling = load<u64>(packedAddr(tree, node ^ 1));
    // Selects rather than a branch: which side we came from is a coin
    // toss to the branch predictor.
    const isRight = (node & 1) != 0;
    const left = select<u64>(sibling, value, isRight);
    const right = select<u64>(value, sibling, isRight);
    const joined = joinPacked(left, right, childLen);
    node >>= 1;
    at = packedAddr(tree, node);
    if (load<u64>(at) == joined) return false;
    store<u64>(at, joined);
    value = joined;
    childLen <<= 1;
  }
  return true;
}

/**
 * Longest run of set bits in a word, one step per run rather than one per
 * bit of the longest run: a word with a span carved out of an otherwise free
 * word would cost about 60 steps the other way, on every alloc and free.
 */
function longestOnes(word: u64): u32 {
  let best: u32 = 0;
  let bits = word;
  while (bits != 0) {
    bits >>= ctz(bits);
    const run = <u32>ctz(~bits);
    if (run > best) best = run;
    // A run reaching the top bit ends the word (a shift by 64 would wrap).
    if (run >= WORD_PAGES) break;
    bits >>= run as u64;
  }
  return best;
}

/** Packed leaf summary of one bitmap word. */
// @ts-ignore: decorator
@inline function wordSummary(word: u64): u64 {
  return pack(<u32>ctz(~word), <u32>clz(~word), longestOnes(word));
}

// @ts-ignore: decorator
@inline function bitmapWordAddr(meta: usize, word: u32): usize {
  return meta + ((word as usize) << 3);
}

// @ts-ignore: decorator
@inline function chunkTree(meta: usize): usize {
  return meta + CHUNK_TREE_OFF;
}

/** Pages of chunk `chunk` below the heap limit. */
export function chunkLimitPages(chunk: u32): u32 {
  const left = globalU32(LIMIT_PAGES) - (chunk << CHUNK_PAGES_SHIFT);
  return left < CHUNK_PAGES ? left : CHUNK_PAGES;
}

/** Builds the top tree: chunks below the limit all free, the rest used. */
export function topTreeInit(): void {
  const tree = globalU32(TOP_TREE) as usize;
  const leaves = globalU32(TREE_LEAVES);
  const chunks = globalU32(LIMIT_CHUNKS);
  for (let chunk: u32 = 0; chunk < leaves; chunk++) {
    const len = chunk < chunks ? chunkLimitPages(chunk) : 0;
    setNode(nodeAddr(tree, leaves + chunk), len, len, len);
  }
  updateAncestors(tree, leaves, 2 * leaves - 1, CHUNK_PAGES);
  // Nothing is mapped, so no page is in use yet, and nothing is dirty.
  searchPage = 0;
  dirtyChunksAddr = reserveBytes((chunks as usize) << 2);
  dirtyChunkCount = 0;
}

/** Fills a new chunk's bitmap and tree: every page below the limit free. */
export function chunkInit(meta: usize, chunk: u32): void {
  const freePages = chunkLimitPages(chunk);
  const tree = chunkTree(meta);
  for (let word: u32 = 0; word < CHUNK_WORDS; word++) {
    const first = word << WORD_PAGES_SHIFT;
    let bits: u64 = 0;
    if (first + WORD_PAGES <= freePages) bits = ~(0 as u64);
    else if (first < freePages) bits = ((1 as u64) << ((freePages - first) as u64)) - 1;
    store<u64>(bitmapWordAddr(meta, word), bits);
    store<u64>(packedAddr(tree, CHUNK_WORDS + word), wordSummary(bits));
  }
  updateChunkRange(tree, CHUNK_WORDS, 2 * CHUNK_WORDS - 1);
  store<u64>(packedAddr(tree, DIRTY_NODE), 0);
}

/** The longest free run, counting unmapped chunks below the limit. */
export function longestFreeRun(): u32 {
  flushSummaries();
  return maxOf(nodeAddr(globalU32(TOP_TREE) as usize, 1));
}

/**
 * Whether some free run is at least `pages` long: longestFreeRun() >=
 * pages, answered without flushing the trees when the unmapped pages
 * below the limit (one free run at the top of the arena) are enough.
 */
// @ts-ignore: decorator
@inline export function hasFreeRun(pages: u32): bool {
  if (ablated(ABLATE_HEADROOM)) return true;
  if (globalU32(LIMIT_PAGES) - globalU32(MAPPED_PAGES) >= pages) return true;
  return longestFreeRun() >= pages;
}

let descendLeaf: u32 = 0;

/**
 * Walks the top tree down to the leftmost place a run of `pages` fits.
 * Returns the run's first page when it crosses two children; otherwise
 * NO_FIT with the chunk holding it in descendLeaf.
 */
function descendTop(tree: usize, leaves: u32, pages: u32): u32 {
  let node: u32 = 1;
  let base: u32 = 0;
  let half = leaves * CHUNK_PAGES;
  while (node < leaves) {
    half >>= 1;
    const left = nodeAddr(tree, node << 1);
    const right = nodeAddr(tree, (node << 1) + 1);
    if (maxOf(left) >= pages) {
      node = node << 1;
    } else if (suffixOf(left) + prefixOf(right) >= pages) {
      return base + half - suffixOf(left);
    } else {
      node = (node << 1) + 1;
      base += half;
    }
  }
  descendLeaf = node - leaves;
  return NO_FIT;
}

/**
 * The same descent over a chunk tree. Returns the run's first page in
 * the chunk when it crosses two children; otherwise NO_FIT with the
 * bitmap word holding it in descendLeaf.
 */
function descendChunk(tree: usize, pages: u32): u32 {
  let node: u32 = 1;
  let base: u32 = 0;
  let half = CHUNK_PAGES;
  while (node < CHUNK_WORDS) {
    half >>= 1;
    const left = load<u64>(packedAddr(tree, node << 1));
    if (packedMax(left) >= pages) {
      node = node << 1;
      continue;
    }
    const right = load<u64>(packedAddr(tree, (node << 1) + 1));
    const leftSuffix = packedSuffix(left);
    if (leftSuffix + packedPrefix(right) >= pages) return base + half - leftSuffix;
    node = (node << 1) + 1;
    base += half;
  }
  descendLeaf = node - CHUNK_WORDS;
  return NO_FIT;
}

/**
 * First bit of the leftmost run of `pages` (1..64) set bits inside one
 * word, or 64 when there is none. `starts` marks the bits that begin at
 * least `have` set bits; each step doubles `have` (or tops it up to
 * `pages`), so a 4-page fit costs two shifts.
 */
function firstFitInWord(word: u64, pages: u32): u32 {
  let starts = word;
  let have: u32 = 1;
  while (have < pages) {
    const step = pages - have < have ? pages - have : have;
    starts &= starts >> (step as u64);
    have += step;
  }
  return <u32>ctz(starts);
}

/**
 * The lowest fit of `pages` pages among the HINT_SCAN_WORDS bitmap words
 * from searchPage's word, within its chunk, or NO_FIT. As every page below
 * searchPage is in use, a fit found here is the lowest in the arena. Moves
 * searchPage up to the lowest free page seen, or past the words read when
 * all were in use, so later calls skip them.
 */
function fitNearHint(pages: u32): u32 {
  const hint = searchPage;
  if (hint >= globalU32(MAPPED_PAGES)) return NO_FIT;
  const chunk = hint >> CHUNK_PAGES_SHIFT;
  const meta = chunkMeta(chunk);
  const chunkBase = chunk << CHUNK_PAGES_SHIFT;
  const firstWord = (hint & CHUNK_PAGE_MASK) >> WORD_PAGES_SHIFT;
  let endWord = firstWord + HINT_SCAN_WORDS;
  if (endWord > CHUNK_WORDS) endWord = CHUNK_WORDS;
  let found = NO_FIT;
  let lowestFree = NO_FIT;
  // Free pages that end at the top of the previous word read.
  let carried: u32 = 0;
  for (let word = firstWord; word < endWord; word++) {
    const bits = load<u64>(bitmapWordAddr(meta, word));
    if (bits == 0) {
      carried = 0;
      continue;
    }
    const wordBase = chunkBase + (word << WORD_PAGES_SHIFT);
    if (lowestFree == NO_FIT) lowestFree = wordBase + <u32>ctz(bits);
    // A run carried in starts below anything inside this word, so it
    // goes first; if it falls short, this word's prefix is shorter than
    // `pages` and cannot be a fit on its own.
    if (carried != 0 && carried + <u32>ctz(~bits) >= pages) {
      found = wordBase - carried;
      break;
    }
    if (pages <= WORD_PAGES) {
      const at = firstFitInWord(bits, pages);
      if (at < WORD_PAGES) {
        found = wordBase + at;
        break;
      }
    }
    carried = bits == ~(0 as u64) ? carried + WORD_PAGES : <u32>clz(~bits);
  }
  searchPage = lowestFree != NO_FIT ? lowestFree : chunkBase + (endWord << WORD_PAGES_SHIFT);
  return found;
}

/**
 * First page of the lowest-address free run of at least `pages` pages
 * (unmapped chunks below the limit count as free), or NO_FIT.
 */
export function firstFit(pages: u32): u32 {
  // The hint scan reads only the bitmap, so it goes before the flush.
  const near = fitNearHint(pages);
  if (near != NO_FIT) return near;
  flushSummaries();
  const top = globalU32(TOP_TREE) as usize;
  if (maxOf(nodeAddr(top, 1)) < pages) return NO_FIT;
  const found = descendTop(top, globalU32(TREE_LEAVES), pages);
  if (found != NO_FIT) return found;
  const chunk = descendLeaf;
  const chunkBase = chunk << CHUNK_PAGES_SHIFT;
  if (chunk >= globalU32(MAPPED_CHUNKS)) return chunkBase;
  const meta = chunkMeta(chunk);
  const inChunk = descendChunk(chunkTree(meta), pages);
  if (inChunk != NO_FIT) return chunkBase + inChunk;
  const word = descendLeaf;
  const bits = load<u64>(bitmapWordAddr(meta, word));
  return chunkBase + (word << WORD_PAGES_SHIFT) + firstFitInWord(bits, pages);
}

/**
 * Sets or clears the bits of pages [first, first + count) (chunk-relative)
 * that fall in bitmap word `word`.
 */
// @ts-ignore: decorator
@inline function markInWord(meta: usize, word: u32, first: u32, count: u32, free: bool): void {
  const wordFirst = word << WORD_PAGES_SHIFT;
  const from = first > wordFirst ? first - wordFirst : 0;
  const end = first + count - wordFirst;
  const to = end < WORD_PAGES ? end : WORD_PAGES;
  const width = to - from;
  const ones: u64 = width == WORD_PAGES ? ~(0 as u64) : ((1 as u64) << (width as u64)) - 1;
  const mask = ones << (from as u64);
  const addr = bitmapWordAddr(meta, word);
  const bits = free ? load<u64>(addr) | mask : load<u64>(addr) & ~mask;
  store<u64>(addr, bits);
}

/**
 * Marks pages [first, first + count) of one mapped chunk free or used in
 * its bitmap, and notes the words touched as dirty; their summaries wait
 * for flushSummaries.
 */
// @ts-ignore: decorator
@inline function markInChunk(meta: usize, chunk: u32, first: u32, count: u32,
  free: bool): void {
  const firstWord = first >> WORD_PAGES_SHIFT;
  const lastWord = (first + count - 1) >> WORD_PAGES_SHIFT;
  for (let word = firstWord; word <= lastWord; word++) {
    markInWord(meta, word, first, count, free);
  }
  const lowBit = firstWord >> DIRTY_WORDS_SHIFT;
  const highBit = lastWord >> DIRTY_WORDS_SHIFT;
  // Bits lowBit..highBit. For all 64 bits, 2 << 63 is 0 and the minus
  // one still gives all ones.
  const bits = (((2 as u64) << ((highBit - lowBit) as u64)) - 1) << (lowBit as u64);
  const dirtyAddr = packedAddr(chunkTree(meta), DIRTY_NODE);
  const dirty = load<u64>(dirtyAddr);
  if (dirty == 0) {
    store<u32>(dirtyChunksAddr + ((dirtyChunkCount as usize) << 2), chunk);
    dirtyChunkCount++;
  }
  store<u64>(dirtyAddr, dirty | bits);
}

/** Marks mapped pages [first, first + count) free or used. */
export function markPages(first: u32, count: u32, free: bool): void {
  // Keep searchPage's promise: a freed page below it lowers it; pages
  // taken at it move it past them, since everything below was in use.
  const hint = searchPage;
  if (free) {
    if (first < hint) searchPage = first;
  } else if (first <= hint && hint < first + count) {
    searchPage = first + count;
  }

  const firstChunk = first >> CHUNK_PAGES_SHIFT;
  const lastChunk = (first + count - 1) >> CHUNK_PAGES_SHIFT;
  if (firstChunk == lastChunk) {
    markInChunk(chunkMeta(firstChunk), firstChunk, first & CHUNK_PAGE_MASK, count, free);
    return;
  }
  for (let chunk = firstChunk; chunk <= lastChunk; chunk++) {
    const chunkBase = chunk << CHUNK_PAGES_SHIFT;
    const from = first > chunkBase ? first - chunkBase : 0;
    const end = first + count - chunkBase;
    const to = end < CHUNK_PAGES ? end : CHUNK_PAGES;
    markInChunk(chunkMeta(chunk), chunk, from, to - from, free);
  }
}

/**
 * Brings one chunk's tree and its top-tree leaf up to date with its
 * bitmap. Each dirty word's leaf is set and its path walked as an eager
 * update would have, one leaf after another, so the tree agrees with its
 * leaves after every step and the early stop stays sound. A word marked
 * and then put back as it was costs one summary and no walk.
 */
function flushChunk(top: usize, leaves: u32, chunk: u32): void {
  const meta = chunkMeta(chunk);
  const tree = chunkTree(meta);
  const dirtyAddr = packedAddr(tree, DIRTY_NODE);
  let dirty = load<u64>(dirtyAddr);
  store<u64>(dirtyAddr, 0);
  let rootChanged = false;
  while (dirty != 0) {
    const firstWord = (<u32>ctz(dirty)) << DIRTY_WORDS_SHIFT;
    dirty &= dirty - 1;
    for (let word = firstWord; word < firstWord + DIRTY_BIT_WORDS; word++) {
      const bits = load<u64>(bitmapWordAddr(meta, word));
      if (setChunkLeaf(tree, CHUNK_WORDS + word, wordSummary(bits))) rootChanged = true;
    }
  }
  // The top leaf copies the chunk root; an unchanged root leaves the
  // whole top tree as it is.
  if (!rootChanged) return;
  const root = load<u64>(packedAddr(tree, 1));
  setTopLeaf(top, leaves + chunk, packedPrefix(root), packedSuffix(root), packedMax(root));
}

/**
 * Makes every summary agree with the bitmap, as eager updates would have
 * left them. Called before anything reads a tree node.
 */
function flushSummaries(): void {
  const count = dirtyChunkCount;
  if (count == 0) return;
  const top = globalU32(TOP_TREE) as usize;
  const leaves = globalU32(TREE_LEAVES);
  for (let i: u32 = 0; i < count; i++) {
    flushChunk(top, leaves, load<u32>(dirtyChunksAddr + ((i as usize) << 2)));
  }
  dirtyChunkCount = 0;
}

/** Whether a mapped page is free. */
export function pageIsFree(page: u32): bool {
  const meta = chunkMeta(page >> CHUNK_PAGES_SHIFT);
  const inChunk = page & (CHUNK_PAGES - 1);
  const bits = load<u64>(bitmapWordAddr(meta, inChunk >> WORD_PAGES_SHIFT));
  return ((bits >> ((inChunk & (WORD_PAGES - 1)) as u64)) & 1) != 0;
}

/** The bitmap word holding a mapped page's bit, for run walks. */
export function pageWord(page: u32): u64 {
  const meta = chunkMeta(page >> CHUNK_PAGES_SHIFT);
  const inChunk = page & (CHUNK_PAGES - 1);
  return load<u64>(bitmapWordAddr(meta, inChunk >> WORD_PAGES_SHIFT));
}
