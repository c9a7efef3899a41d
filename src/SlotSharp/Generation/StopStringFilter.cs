namespace SlotSharp.Generation;

/// <summary>
/// Cuts streamed text at the first occurrence of any stop sequence (the stop sequence itself is dropped, as OpenAI
/// does). Text that may still turn into a stop sequence (a suffix that is a prefix of one) is held back until the
/// next delta decides it, so a stream never shows text that the non-streaming answer cuts. The engine runs one per
/// request on the decoded text (<see cref="Engine.EngineRequest.StopStrings"/>).
/// </summary>
internal sealed class StopStringFilter(IReadOnlyList<string> stopSequences)
{
    string _pending = "";

    /// <summary>True once a stop sequence was seen; every later Push returns "".</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text of <paramref name="delta"/> (with anything held back before) that is safe to show.</summary>
    public string Push(string delta)
    {
        if (Stopped || delta.Length == 0) return "";
        var text = _pending + delta;
        int cut = FirstStop(text);
        if (cut >= 0)
        {
            Stopped = true;
            _pending = "";
            return text[..cut];
        }
        int keep = LongestStopPrefixSuffix(text);
        _pending = text[^keep..];
        return text[..^keep];
    }

    /// <summary>What is still held back (call once the text ends).</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _pending;
        _pending = "";
        return rest;
    }

    int FirstStop(string text)
    {
        int first = -1;
        foreach (var stop in stopSequences)
        {
            int i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (first < 0 || i < first)) first = i;
        }
        return first;
    }

    /// <summary>Length of the longest end of <paramref name="text"/> that some stop sequence starts with.</summary>
    int LongestStopPrefixSuffix(string text)
    {
        int best = 0;
        foreach (var stop in stopSequences)
            for (int n = Math.Min(stop.Length - 1, text.Length); n > best; n--)
                if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n))) { best = n; break; }
        return best;
    }
}
