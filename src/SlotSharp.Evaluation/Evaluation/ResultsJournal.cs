namespace SlotSharp.Evaluation;

/// <summary>The GSM8K results JSONL of one setting (see <see cref="JsonlJournal{THeader,TRecord}"/>).</summary>
internal sealed class ResultsJournal : JsonlJournal<EvalRunHeader, EvalSampleRecord>
{
    ResultsJournal(string path, EvalRunHeader header) : base(path, header, "GSM8K") { }

    /// <summary>Creates the file with <paramref name="header"/>, or resumes it when it already holds one.</summary>
    public static ResultsJournal OpenOrCreate(string path, EvalRunHeader header) => new(path, header);
}
