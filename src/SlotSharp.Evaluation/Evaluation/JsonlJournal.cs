using System.Text;
using System.Text.Json;

namespace SlotSharp.Evaluation;

/// <summary>The first line of a journal: says which experiment the file belongs to.</summary>
internal interface IJournalHeader<in TSelf>
{
    string Type { get; }
    string Format { get; }
    /// <summary>Samples of the run; a record numbered outside 1..SampleCount is refused.</summary>
    int SampleCount { get; }
    /// <summary>Names of the compared fields that differ from <paramref name="other"/> with both values ("" when equal).</summary>
    string Differences(TSelf other);
}

/// <summary>One finished sample of a journal.</summary>
internal interface IJournalRecord
{
    /// <summary>1-based sample number, the journal's key.</summary>
    int Sample { get; }
}

/// <summary>
/// A resumable JSONL journal: a header line, then one line per finished sample, each written with a single write and
/// flushed to disk (fsync) before the next, so a killed run loses at most the samples in flight. Opening an existing
/// file resumes it: a torn last line (no trailing newline) is cut off and the header must match.
/// </summary>
internal class JsonlJournal<THeader, TRecord> : IDisposable
    where THeader : class, IJournalHeader<THeader>
    where TRecord : class, IJournalRecord
{
    readonly FileStream _stream;
    readonly Dictionary<int, TRecord> _records = new();

    public string Path { get; }
    public THeader Header { get; }
    /// <summary>Finished samples by 1-based sample number (the first line wins if one was ever written twice).</summary>
    public IReadOnlyDictionary<int, TRecord> Records => _records;

    protected JsonlJournal(string path, THeader header, string formatDescription)
    {
        Path = path;
        Header = header;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            LoadOrInitialise(formatDescription);
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    void LoadOrInitialise(string formatDescription)
    {
        var bytes = new byte[_stream.Length];
        _stream.Position = 0;
        _stream.ReadExactly(bytes);
        // Everything after the last newline is a line whose write was interrupted: dropped, but only once the file is
        // known to be this run's journal. A file that is not (someone's notes that happen to have the journal's name)
        // is refused untouched; it used to lose its last line, or all of it when it had no newline.
        int complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (complete == 0)
        {
            var header = JsonSerializer.Serialize(Header, EvalJson.Line);
            // Empty, or the header line cut short by a killed run (the one write before any sample).
            if (bytes.Length > 0 && !header.StartsWith(Encoding.UTF8.GetString(bytes), StringComparison.Ordinal))
                throw NotAJournal(formatDescription, bytes.Length);
            _stream.SetLength(0);
            _stream.Position = 0;
            WriteLine(header);
            return;
        }

        var lines = Encoding.UTF8.GetString(bytes, 0, complete).Split('\n');
        THeader onDisk;
        try { onDisk = ParseLine<THeader>(lines[0], 1, "header"); }
        catch (SlotSharpException) { throw NotAJournal(formatDescription, bytes.Length); }
        if (onDisk.Type != "header" || onDisk.Format != Header.Format) throw NotAJournal(formatDescription, bytes.Length);
        var diff = onDisk.Differences(Header);
        if (diff.Length > 0)
            throw new SlotSharpException(
                $"{Path} was written with other settings ({diff}); to resume use the same settings, otherwise " +
                "choose another --output folder or delete the file");

        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var record = ParseLine<TRecord>(lines[i], i + 1, "sample");
            if (record.Sample < 1 || record.Sample > Header.SampleCount)
                throw new SlotSharpException($"{Path}:{i + 1}: sample number {record.Sample} is outside 1..{Header.SampleCount}");
            _records.TryAdd(record.Sample, record);
        }
        if (complete < bytes.Length) _stream.SetLength(complete);
        _stream.Position = _stream.Length;
    }

    SlotSharpException NotAJournal(string formatDescription, long length) => new(
        $"{Path}:1: not a SlotSharp {formatDescription} results file ({length} bytes, left as they are); " +
        "choose another output folder or move the file away");

    T ParseLine<T>(string line, int lineNo, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(line, EvalJson.Line)
                ?? throw new SlotSharpException($"{Path}:{lineNo}: empty {what} line");
        }
        catch (JsonException e)
        {
            throw new SlotSharpException($"{Path}:{lineNo}: invalid {what} line ({e.Message})", e);
        }
    }

    /// <summary>Appends a finished sample and forces it to disk.</summary>
    public void Append(TRecord record)
    {
        WriteLine(JsonSerializer.Serialize(record, EvalJson.Line));
        _records.TryAdd(record.Sample, record);
    }

    void WriteLine(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json + "\n");
        _stream.Write(bytes);
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        _stream.Dispose();
        GC.SuppressFinalize(this);
    }
}
