/**
 * Loads of one page may overlap (a filter changed twice, a search sent again before the last answered) and their
 * answers come back in any order: an older answer arriving last would draw rows for a query the user has replaced,
 * or hide the refusal of the newer one. Each load takes a ticket; only the latest ticket may draw.
 * @returns {() => () => boolean} take a ticket; the ticket says whether it is still the latest
 */
export function latestOnly() {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}
