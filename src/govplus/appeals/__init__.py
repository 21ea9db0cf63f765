"""appeals — citizen appeals (12345 诉求): classifying an appeal to a category and the queue it goes to."""
