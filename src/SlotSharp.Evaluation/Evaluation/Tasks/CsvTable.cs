using System.Text;

namespace SlotSharp.Evaluation.Tasks;

/// <summary>
/// An RFC 4180 CSV reader (header row; fields in double quotes may hold commas, doubled quotes and line breaks), for
/// the official gpqa_diamond.csv. CRLF and LF line ends are both accepted; a trailing line end adds no row.
/// </summary>
internal static class CsvTable
{
    public static List<IReadOnlyDictionary<string, string?>> Read(string path)
    {
        var records = Parse(File.ReadAllText(path, Encoding.UTF8), path);
        if (records.Count == 0) throw new SlotSharpException($"'{path}' has no header row");
        var header = records[0];
        var rows = new List<IReadOnlyDictionary<string, string?>>(records.Count - 1);
        for (int r = 1; r < records.Count; r++)
        {
            if (records[r].Count != header.Count)
                throw new SlotSharpException($"'{path}' record {r + 1} has {records[r].Count} fields, the header has {header.Count}");
            var row = new Dictionary<string, string?>(header.Count);
            for (int c = 0; c < header.Count; c++) row[header[c]] = records[r][c];
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Splits CSV text into records of fields.</summary>
    public static List<List<string>> Parse(string text, string source)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, fieldStarted = false;
        int i = 0;
        if (text.StartsWith('\uFEFF')) i = 1;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0: quoted = true; fieldStarted = true; break;
                case ',': record.Add(field.ToString()); field.Clear(); fieldStarted = true; break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n': break;
                case '\n': EndRecord(); break;
                default: field.Append(c); fieldStarted = true; break;
            }
        }
        if (quoted) throw new SlotSharpException($"'{source}' ends inside a quoted field");
        if (fieldStarted || field.Length > 0 || record.Count > 0) EndRecord();
        return records;

        void EndRecord()
        {
            record.Add(field.ToString());
            field.Clear();
            records.Add(record);
            record = [];
            fieldStarted = false;
        }
    }
}
