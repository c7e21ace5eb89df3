/** The in-memory StorageContext both libraries run with in the benchmark. */
export function memoryStorage() {
  let doc;
  return {
    read: () => Promise.resolve(doc),
    write: (data) => {
      doc = data;
      return Promise.resolve();
    },
  };
}
