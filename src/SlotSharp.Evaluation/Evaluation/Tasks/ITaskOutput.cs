namespace SlotSharp.Evaluation.Tasks;

/// <summary>A run as the output writers see it: its options and the documents it evaluates, in evaluation order
/// (sample s is <c>Selected[s - 1]</c>).</summary>
public sealed record TaskRunPlan(TaskRunOptions Options, IReadOnlyList<TaskDocument> Selected);

/// <summary>
/// How a task's files look, the part of a run that differs between tasks: the journal of each setting, what is
/// written as each sample finishes, the files of a finished setting and the sweep plot. <see cref="EvalRunner"/>
/// does everything else. <typeparamref name="TReport"/> is what a finished setting reports to the caller.
/// </summary>
public interface ITaskOutput<TReport> where TReport : class
{
    /// <summary>Creates or resumes one setting's journal (refusing one written with other settings).</summary>
    ISettingOutput<TReport> Open(TaskRunPlan plan, SlotSetting setting);

    /// <summary>Draws the sweep plot of a finished sweep (every setting reported) and returns its path.</summary>
    string SaveSweepPlot(TaskRunPlan plan, IReadOnlyList<TReport> reports);
}

/// <summary>One setting's journal and files during a run.</summary>
public interface ISettingOutput<out TReport> : IDisposable where TReport : class
{
    SlotSetting Setting { get; }
    /// <summary>Whether <paramref name="sample"/> (1-based) is already journaled, so the run skips it.</summary>
    bool IsDone(int sample);
    string JournalPath { get; }
    /// <summary>Samples journaled (this run's shard only).</summary>
    int Done { get; }
    int Correct { get; }
    int FormatCorrect { get; }

    /// <summary>Journals a scored completion (flushed to disk before it returns).</summary>
    void Record(int sample, TaskDocument document, EvalCompletion completion, AnswerScore score, double elapsedSeconds);

    /// <summary>Writes what the setting's files hold once the loop stopped (<paramref name="completed"/>: every
    /// sample of this run is journaled) and returns the setting's report, or null when it has none to give.</summary>
    TReport? Finish(bool completed);
}
