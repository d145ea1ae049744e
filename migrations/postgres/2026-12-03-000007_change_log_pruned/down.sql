DROP TABLE change_log_pruned;
